"""Trace pages, one module each: the public Digital Link resolver; the back office's batches,
step forms, cold chain, EPCIS export and import, a station's receiving, and cases and pallets.

The views urls.py routes to are re-exported here."""

from countyhub.trace.views.batches import (
    batch_create,
    batch_detail,
    batch_label,
    batch_label_sheet,
    batch_list,
    batch_units_csv,
    recall,
)
from countyhub.trace.views.cold_chain import record_cold_chain
from countyhub.trace.views.containers import (
    container_detail,
    container_label,
    container_label_sheet,
    container_list,
    pack_case,
    pack_pallet,
)
from countyhub.trace.views.exchange import batch_export, import_events, trace_export_range
from countyhub.trace.views.public import resolve, vocabulary
from countyhub.trace.views.receiving import receive_container
from countyhub.trace.views.steps import record_step

__all__ = [
    "batch_create",
    "batch_detail",
    "batch_export",
    "batch_label",
    "batch_label_sheet",
    "batch_list",
    "batch_units_csv",
    "container_detail",
    "container_label",
    "container_label_sheet",
    "container_list",
    "import_events",
    "pack_case",
    "pack_pallet",
    "recall",
    "receive_container",
    "record_cold_chain",
    "record_step",
    "resolve",
    "trace_export_range",
    "vocabulary",
]
