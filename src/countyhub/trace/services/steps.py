"""Farming steps, the harvest and inspections, each a new event or the correction of one."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.gs1 import cbv, farming
from countyhub.gs1.builders import farming_event, harvest_event, inspection_event
from countyhub.gs1.epcis import Event, Location
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import VOCABULARY, harvest_lot_uri, lot_uri, plot_uri
from countyhub.trace.models import Batch, EventKind, TraceEvent
from countyhub.trace.selectors import spray_intervals, step_name, steps_of
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


# Events that close a lot's field steps: from its harvest on, what happens is the lot's, not the
# field's (an inspection, a recall, a correction), and packing and shipping come after it.
CLOSING_KINDS = (
    EventKind.HARVEST,
    EventKind.PACKING,
    EventKind.SHIPPING,
    EventKind.CASE_PACKING,
    EventKind.PALLETISING,
    EventKind.RECEIVING,
)


def _standing(batch: Batch, corrects: TraceEvent | None) -> list[TraceEvent]:
    """The batch's events that stand: not declared erroneous, not the one being corrected."""
    rows = list(batch.events.order_by("event_time", "sequence"))
    declared = {row.corrects_id for row in rows if row.kind == EventKind.ERROR_DECLARATION}
    skip = declared | {getattr(corrects, "pk", None)}
    return [row for row in rows if row.pk not in skip and row.kind != EventKind.ERROR_DECLARATION]


def _offered(batch: Batch, code: str) -> farming.Step:
    step = next((s for s in steps_of(batch) if s.code == code), None)
    if step is None:
        raise TraceError(
            TraceErrorCode.STEP_NOT_FOR_PRODUCT,
            _("This step is not one of %(product)s's steps.") % {"product": batch.product.name},
            field="step",
        )
    return step


def _kind_name(batch: Batch, kind: str) -> str:
    step = next((s for s in steps_of(batch) if s.code == kind), None)
    if step is not None:
        return step_name(step)
    return str(EventKind(kind).label) if kind in EventKind.values else kind


def _check_order(
    batch: Batch, step: farming.Step, moment: datetime.datetime, rows: list[TraceEvent]
) -> None:
    """The lot's life in order: no field step after its harvest (or packing, or shipping);
    no harvest after the lot was packed or shipped; no step before a step it needs, nor after
    a recorded step that needs it."""
    closing = [row for row in rows if row.kind in CLOSING_KINDS]
    if step.is_harvest:
        closing = [row for row in closing if row.kind != EventKind.HARVEST]
    if (step.field or step.is_harvest) and closing and moment > closing[0].event_time:
        first = closing[0]
        raise TraceError(
            TraceErrorCode.OUT_OF_ORDER,
            _(
                "%(step)s cannot come after the %(closed)s of %(date)s. Record what happened "
                "later as what it is (an inspection, a recall), or correct a wrong record."
            )
            % {
                "step": step_name(step),
                "closed": _kind_name(batch, first.kind),
                "date": timezone.localtime(first.event_time).strftime("%Y-%m-%d %H:%M"),
            },
            field="event_time",
        )
    needed = [row for row in rows if step.needs and row.kind == step.needs]
    if needed and moment < needed[0].event_time:
        raise TraceError(
            TraceErrorCode.OUT_OF_ORDER,
            _("%(step)s cannot come before the %(needed)s of %(date)s.")
            % {
                "step": step_name(step),
                "needed": _kind_name(batch, needed[0].kind),
                "date": timezone.localtime(needed[0].event_time).strftime("%Y-%m-%d %H:%M"),
            },
            field="event_time",
        )
    dependants = {s.code for s in steps_of(batch) if s.needs == step.code}
    earlier = [row for row in rows if row.kind in dependants and row.event_time < moment]
    if earlier:
        raise TraceError(
            TraceErrorCode.OUT_OF_ORDER,
            _("%(step)s cannot come after the %(later)s of %(date)s, which needs it first.")
            % {
                "step": step_name(step),
                "later": _kind_name(batch, earlier[0].kind),
                "date": timezone.localtime(earlier[0].event_time).strftime("%Y-%m-%d %H:%M"),
            },
            field="event_time",
        )


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
    details: cbv.StepDetails,
    event_time: datetime.datetime | None = None,
    corrects: TraceEvent | None = None,
) -> TraceEvent:
    """A step of the product's category (planting, spraying, hives placed, inoculation...), as
    a county-vocabulary ObjectEvent, in its place in the lot's life."""
    _require(policies.may_record(actor, batch))
    moment = _aware(event_time)
    _check_time(batch, moment)
    _check_order(batch, _offered(batch, step.value), moment, _standing(batch, corrects))
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
    step = farming.harvest_of(batch.product.category.slug)
    _check_order(batch, step, moment, _standing(batch, corrects))
    rows = list(batch.events.exclude(pk=getattr(corrects, "pk", None)))
    for interval in spray_intervals(rows, harvested=moment):
        if not interval.kept and not interval.after_harvest:
            message = (
                _(
                    "%(product)s was applied on %(sprayed)s with a withdrawal period of "
                    "%(days)s days: harvest from %(safe)s."
                )
                if interval.withdrawal
                else _(
                    "%(product)s was sprayed on %(sprayed)s with a pre-harvest interval of "
                    "%(days)s days: harvest from %(safe)s."
                )
            )
            raise TraceError(
                TraceErrorCode.PRE_HARVEST_INTERVAL,
                message
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
        step_name=None if step.name_en == "harvest" else step.name_en,
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
