"""Trace queries, one module each: the timeline of stored events; what a new step is checked
against; the public trace page; scans; the back office's batches and recalls; EPCIS export; cases
and pallets.

The names the rest of countyhub uses are re-exported here."""

from countyhub.trace.selectors.batches import batches_visible_to, recall_lines
from countyhub.trace.selectors.containers import (
    container_for_sscc,
    container_view,
    containers_visible_to,
    free_units,
    operated_stations,
    packable_cases,
    packed_quantity,
)
from countyhub.trace.selectors.exchange import (
    EventQuery,
    document_bytes,
    event_count,
    events_between,
    events_page,
    export_document,
    query_document,
)
from countyhub.trace.selectors.public import (
    batch_for_harvest_link,
    batch_for_link,
    batch_for_serial,
    trace_page,
)
from countyhub.trace.selectors.scans import page_version, scan_counts, scans_per_day
from countyhub.trace.selectors.steps import (
    offered_steps,
    packing_balance,
    spray_intervals,
    step_name,
    steps_of,
)
from countyhub.trace.selectors.timeline import timeline_entry

__all__ = [
    "EventQuery",
    "batch_for_harvest_link",
    "batch_for_link",
    "batch_for_serial",
    "batches_visible_to",
    "container_for_sscc",
    "container_view",
    "containers_visible_to",
    "document_bytes",
    "event_count",
    "events_between",
    "events_page",
    "export_document",
    "free_units",
    "offered_steps",
    "operated_stations",
    "packable_cases",
    "packed_quantity",
    "packing_balance",
    "page_version",
    "query_document",
    "recall_lines",
    "scan_counts",
    "scans_per_day",
    "spray_intervals",
    "step_name",
    "steps_of",
    "timeline_entry",
    "trace_page",
]
