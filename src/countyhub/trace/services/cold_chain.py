"""Cold chain: a temperature logger travels with the lot."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.gs1 import coldchain
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import logger_link, lot_uri
from countyhub.trace.models import Batch, EventKind, TraceEvent
from countyhub.trace.services.batches import _require
from countyhub.trace.services.events import NewEvent, _aware, _check_time, append_events

MAX_READINGS = 50_000  # a logger sampling every minute for a month


@transaction.atomic
def record_cold_chain(
    *,
    actor: Any,
    batch: Batch,
    logger: str,
    readings: Sequence[coldchain.Reading],
    required_min: float | None = None,
    required_max: float | None = None,
) -> list[TraceEvent]:
    """A logger's trip with the lot, read out afterwards: the logger put with the lot at its
    first reading (AssociationEvent ADD), the readings (a `sensor_reporting` ObjectEvent,
    hourly min/max/mean), and the logger taken off at its last reading (DELETE)."""
    _require(policies.may_record(actor, batch))
    device = logger_link(batch.county_id, logger.strip()).uri
    if len(readings) < 2:
        raise TraceError(
            TraceErrorCode.REQUIRED, _("Give at least two readings."), field="readings"
        )
    if len(readings) > MAX_READINGS:
        raise TraceError(
            TraceErrorCode.OUT_OF_RANGE,
            _("At most %(count)s readings per trip.") % {"count": MAX_READINGS},
            field="readings",
        )
    if None not in (required_min, required_max) and required_min >= required_max:
        raise TraceError(
            TraceErrorCode.OUT_OF_RANGE,
            _("The lowest temperature must be below the highest."),
            field="required_min",
        )
    ordered = sorted(
        (coldchain.Reading(_aware(r.time), r.celsius) for r in readings), key=lambda r: r.time
    )
    first, last = ordered[0].time, ordered[-1].time
    _check_time(batch, last)
    subject = lot_uri(batch)
    items = [
        NewEvent(
            EventKind.LOGGER_ATTACHED,
            coldchain.logger_association(lot_uri=subject, device_uri=device, at=first, attach=True),
        ),
        NewEvent(
            EventKind.COLD_CHAIN,
            coldchain.sensor_report_event(
                lot_uri=subject,
                device_uri=device,
                readings=ordered,
                required=(required_min, required_max),
            ),
        ),
        NewEvent(
            EventKind.LOGGER_DETACHED,
            coldchain.logger_association(lot_uri=subject, device_uri=device, at=last, attach=False),
        ),
    ]
    return append_events(batch=batch, items=items, actor=actor)
