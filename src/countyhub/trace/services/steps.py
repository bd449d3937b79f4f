"""Farming steps, the harvest and inspections, each a new event or the correction of one."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.gs1 import cbv
from countyhub.gs1.builders import farming_event, harvest_event, inspection_event
from countyhub.gs1.epcis import Event, Location
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import VOCABULARY, harvest_lot_uri, lot_uri, plot_uri
from countyhub.trace.models import Batch, EventKind, TraceEvent
from countyhub.trace.selectors import spray_intervals
from countyhub.trace.services.batches import _require
from countyhub.trace.services.events import (
    NewEvent,
    _aware,
    _check_time,
    append_events,
    correct_event,
)


def _record(
    *, batch: Batch, kind: str, event: Event, actor: Any, corrects: TraceEvent | None
) -> TraceEvent:
    """Append a new event, or, when it `corrects` a recorded one, the correction pair."""
    if corrects is None:
        return append_events(batch=batch, items=[NewEvent(kind, event)], actor=actor)[0]
    if corrects.batch_id != batch.pk or corrects.kind != kind:
        raise TraceError(
            TraceErrorCode.INVALID_CORRECTION,
            _("A correction must be the same step of the same batch."),
            field="event",
        )
    return correct_event(actor=actor, erroneous=corrects, corrective=event)[0]


def _location(batch: Batch) -> Location:
    extensions = {}
    if batch.latitude is not None and batch.longitude is not None:
        extensions = {
            f"{cbv.COUNTY_PREFIX}:latitude": float(batch.latitude),
            f"{cbv.COUNTY_PREFIX}:longitude": float(batch.longitude),
        }
    return Location(id=plot_uri(batch), extensions=extensions)


@transaction.atomic
def record_farming_step(
    *,
    actor: Any,
    batch: Batch,
    step: cbv.FarmingStep,
    details: cbv.Planting | cbv.Fertilising | cbv.Spraying | cbv.Irrigation,
    event_time: datetime.datetime | None = None,
    corrects: TraceEvent | None = None,
) -> TraceEvent:
    """Planting, fertilising, spraying or irrigation, as a county-vocabulary ObjectEvent."""
    _require(policies.may_record(actor, batch))
    moment = _aware(event_time)
    _check_time(batch, moment)
    event = farming_event(
        step,
        details,
        subject=harvest_lot_uri(batch),
        event_time=moment,
        plot=plot_uri(batch),
        vocabulary=VOCABULARY,
    )
    event = replace(event, read_point=_location(batch))
    return _record(batch=batch, kind=step.value, event=event, actor=actor, corrects=corrects)


@transaction.atomic
def record_harvest(
    *,
    actor: Any,
    batch: Batch,
    quantity_kg: float,
    event_time: datetime.datetime | None = None,
    corrects: TraceEvent | None = None,
) -> TraceEvent:
    """The harvest: CBV `commissioning` of the lot, with the harvest date in its ILMD."""
    _require(policies.may_record(actor, batch))
    if quantity_kg <= 0:
        raise TraceError(
            TraceErrorCode.NOT_POSITIVE,
            _("The harvested weight must be more than zero."),
            field="quantity_kg",
        )
    moment = _aware(event_time)
    _check_time(batch, moment)
    rows = list(batch.events.exclude(pk=getattr(corrects, "pk", None)))
    for interval in spray_intervals(rows, harvested=moment):
        if not interval.kept:
            raise TraceError(
                TraceErrorCode.PRE_HARVEST_INTERVAL,
                _(
                    "%(product)s was sprayed on %(sprayed)s with a pre-harvest interval of "
                    "%(days)s days: harvest from %(safe)s."
                )
                % {
                    "product": interval.product,
                    "sprayed": interval.sprayed.isoformat(),
                    "days": interval.interval_days,
                    "safe": interval.safe_from.isoformat(),
                },
                field="event_time",
            )
    event = harvest_event(
        lot_uri=harvest_lot_uri(batch),
        quantity_kg=quantity_kg,
        event_time=moment,
        farm=plot_uri(batch),
    )
    event = replace(event, read_point=_location(batch))
    row = _record(batch=batch, kind=EventKind.HARVEST, event=event, actor=actor, corrects=corrects)
    if batch.production_date is None:
        Batch.objects.filter(pk=batch.pk).update(production_date=moment.date())
        batch.production_date = moment.date()
    return row


@transaction.atomic
def record_inspection(
    *,
    actor: Any,
    batch: Batch,
    documents: Sequence[cbv.AttachedDocument],
    event_time: datetime.datetime | None = None,
    corrects: TraceEvent | None = None,
) -> TraceEvent:
    """An inspection with its certificates and lab reports; conformant only if all pass."""
    _require(policies.may_record(actor, batch))
    if not documents:
        raise TraceError(
            TraceErrorCode.REQUIRED,
            _("Attach at least one certificate or lab report."),
            field="documents",
        )
    moment = _aware(event_time)
    _check_time(batch, moment)
    # Before packing the inspector samples the harvest; afterwards, the packed product.
    packed = batch.events.filter(kind=EventKind.PACKING).exists()
    event = inspection_event(
        subject=lot_uri(batch) if packed else harvest_lot_uri(batch),
        event_time=moment,
        documents=documents,
        location=plot_uri(batch),
    )
    return _record(
        batch=batch, kind=EventKind.INSPECTION, event=event, actor=actor, corrects=corrects
    )
