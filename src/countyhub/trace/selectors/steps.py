"""What a new step is checked against: the packing balance and the pre-harvest intervals of
the batch's standing events."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import get_language

from countyhub.gs1 import cbv, farming
from countyhub.trace.identifiers import units_of
from countyhub.trace.models import Batch, EventKind, TraceEvent


def packing_balance(batch: Batch, *, excluding: TraceEvent | None) -> tuple[float, float, float]:
    """(kg harvested, kg already packed, units already packed) from the batch's standing
    events: corrected events are replaced by their corrections, and `excluding` (the event
    being corrected) does not count."""
    rows = list(batch.events.filter(kind__in=[EventKind.HARVEST, EventKind.PACKING]))
    declared = set(
        batch.events.filter(kind=EventKind.ERROR_DECLARATION).values_list("corrects_id", flat=True)
    )
    harvested = packed_kg = packed_units = 0.0
    for row in rows:
        if row.pk in declared or (excluding is not None and row.pk == excluding.pk):
            continue
        data = row.document
        if row.kind == EventKind.HARVEST:
            harvested += sum(q.get("quantity", 0) for q in data.get("quantityList", []))
        else:
            packed_kg += sum(q.get("quantity", 0) for q in data.get("inputQuantityList", []))
            packed_units += sum(units_of(batch, q) for q in data.get("outputQuantityList", []))
    return harvested, packed_kg, packed_units


@dataclass(frozen=True)
class SprayInterval:
    """A spraying (or a hive or livestock treatment) against its pre-harvest interval (安全间隔期)
    or withdrawal period (休药期). One dated after the harvest is listed too: the page must show
    every spraying of the lot, and such a one cannot have kept any interval."""

    product: str
    sprayed: datetime.date
    interval_days: int
    harvested: datetime.date
    after_harvest: bool = False
    withdrawal: bool = False  # a treatment's withdrawal period, not a spraying's interval

    @property
    def days_before_harvest(self) -> int:
        return (self.harvested - self.sprayed).days

    @property
    def kept(self) -> bool:
        return not self.after_harvest and self.days_before_harvest >= self.interval_days

    @property
    def safe_from(self) -> datetime.date:
        return self.sprayed + datetime.timedelta(days=self.interval_days)


def spray_intervals(
    rows: list[TraceEvent], *, harvested: datetime.datetime | None = None
) -> list[SprayInterval]:
    """Every standing event with a waiting period (recorded here or imported, whatever its kind)
    against the (first standing) harvest, or against `harvested` when a harvest is being
    recorded. Corrected events are left out: their corrections count."""
    declared = {row.corrects_id for row in rows if row.kind == EventKind.ERROR_DECLARATION}
    standing = [row for row in rows if row.pk not in declared]
    if harvested is None:
        harvests = [row.event_time for row in standing if row.kind == EventKind.HARVEST]
        if not harvests:
            return []
        harvested = min(harvests)
    day = timezone.localtime(harvested).date()
    intervals = []
    for row in standing:
        if row.kind == EventKind.ERROR_DECLARATION:
            continue
        for days_key, product_key in cbv.INTERVAL_PROPERTIES:
            days = row.document.get(days_key)
            if days is None:
                continue
            product = str(row.document.get(product_key, ""))
            sprayed = timezone.localtime(row.event_time).date()
            intervals.append(
                SprayInterval(
                    product,
                    sprayed,
                    int(days),
                    day,
                    after_harvest=row.event_time > harvested,
                    withdrawal=days_key.endswith("withdrawalPeriodDays"),
                )
            )
    return sorted(intervals, key=lambda interval: interval.sprayed)


def step_name(step: farming.Step) -> str:
    """The step's name in the language of the request."""
    return step.name_zh if (get_language() or "").startswith("zh") else step.name_en


def steps_of(batch: Batch) -> tuple[farming.Step, ...]:
    """The steps offered for the batch's product, by its category."""
    return farming.steps_for(batch.product.category.slug)


def offered_steps(batch: Batch) -> list[tuple[str, str]]:
    """(URL step, name) of every step the back office offers for the batch: its category's
    steps in the order of the lot's life (its harvest-like step under `harvest`), then the
    inspection and the packing that every lot may have."""
    steps = [(step.code, step_name(step)) for step in steps_of(batch)]
    return [
        *steps,
        (EventKind.INSPECTION.value, str(EventKind.INSPECTION.label)),
        (EventKind.PACKING.value, str(EventKind.PACKING.label)),
    ]
