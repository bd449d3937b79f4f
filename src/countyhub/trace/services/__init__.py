"""Use cases that change trace data, one module each: batches; events (append-only,
hash-chained) and their corrections; farming steps, the harvest and inspections; packing; the
cold chain; the batches an order ships from; cases and pallets; a village station's receiving;
and scans. EPCIS import is in trace.exchange.

The names the rest of countyhub uses are re-exported here."""

from countyhub.trace.services.batches import create_batch
from countyhub.trace.services.cold_chain import record_cold_chain
from countyhub.trace.services.containers import LotQuantity, pack_case, pack_pallet, unpack
from countyhub.trace.services.events import (
    NewEvent,
    append_events,
    append_shared_event,
    correct_event,
)
from countyhub.trace.services.orders import record_order_batches
from countyhub.trace.services.packing import record_packing
from countyhub.trace.services.receiving import receive_at_station
from countyhub.trace.services.scans import record_link_scan, record_scan
from countyhub.trace.services.steps import record_farming_step, record_harvest, record_inspection

__all__ = [
    "LotQuantity",
    "NewEvent",
    "append_events",
    "append_shared_event",
    "correct_event",
    "create_batch",
    "pack_case",
    "pack_pallet",
    "receive_at_station",
    "record_cold_chain",
    "record_farming_step",
    "record_harvest",
    "record_inspection",
    "record_link_scan",
    "record_order_batches",
    "record_packing",
    "record_scan",
    "unpack",
]
