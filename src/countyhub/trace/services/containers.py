"""Cases and pallets: AggregationEvents with SSCC parents, shared by every batch inside."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.numbers import plain_number
from countyhub.gs1.epcis import Event, EventType, offset_of
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import (
    allocate_sscc,
    batch_link,
    batch_quantity,
    container_uri,
    lot_uri,
)
from countyhub.trace.models import (
    Batch,
    Container,
    ContainerContent,
    ContainerLevel,
    EventKind,
    SerialisedUnit,
)
from countyhub.trace.services.batches import _require
from countyhub.trace.services.events import _aware, _check_time, append_shared_event


@dataclass(frozen=True)
class LotQuantity:
    """A quantity of an unserialised lot (in the batch's unit) packed into a case."""

    batch: Batch
    quantity: Decimal


def _lock_batches(ids: set[int]) -> dict[int, Batch]:
    # Batches before the county's TraceProfile (allocate_sscc), the same order as everywhere.
    return {b.pk: b for b in Batch.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _one_county(county_ids: set[int], *, field: str) -> int:
    if len(county_ids) != 1:
        raise TraceError(
            TraceErrorCode.OTHER_COUNTY,
            _("Cases and pallets hold goods of one county only."),
            field=field,
        )
    return next(iter(county_ids))


def _only_seller(seller_ids: set[int | None]) -> int | None:
    return next(iter(seller_ids)) if len(seller_ids) == 1 else None


def _aggregation(
    *,
    action: str,
    biz_step: str,
    moment: datetime.datetime,
    parent: str,
    child_epcs: Sequence[str] = (),
    lots: Sequence[tuple[Batch, Decimal]] = (),
) -> Event:
    return Event(
        type=EventType.AGGREGATION,
        event_time=moment,
        event_time_zone_offset=offset_of(moment),
        action=action,
        parent_id=parent,
        child_epcs=tuple(child_epcs),
        child_quantity_list=tuple(
            batch_quantity(batch, lot_uri(batch), quantity) for batch, quantity in lots
        ),
        biz_step=biz_step,
        disposition="container_closed" if action == "ADD" else None,
    )


@transaction.atomic
def pack_case(
    *,
    actor: Any,
    units: Sequence[SerialisedUnit] = (),
    lots: Sequence[LotQuantity] = (),
    event_time: datetime.datetime | None = None,
) -> Container:
    """Pack serialised units and/or quantities of lots into a new case with its own SSCC, and
    record the AggregationEvent (ADD, packing, container_closed) on every batch inside."""
    if not units and not lots:
        raise TraceError(
            TraceErrorCode.REQUIRED, _("Choose units or a quantity to pack."), field="units"
        )
    serials = [unit.pk for unit in units]
    if len(set(serials)) != len(serials):
        raise TraceError(TraceErrorCode.DUPLICATE, _("A unit is chosen twice."), field="units")
    if len({lot.batch.pk for lot in lots}) != len(lots):
        raise TraceError(
            TraceErrorCode.DUPLICATE,
            _("A lot is given twice; give its total once."),
            field="quantity",
        )
    batches = _lock_batches({unit.batch_id for unit in units} | {lot.batch.pk for lot in lots})
    for batch in batches.values():
        _require(policies.may_record(actor, batch))
    county_id = _one_county({b.county_id for b in batches.values()}, field="units")
    taken = list(
        ContainerContent.objects.filter(unit__in=serials, current=True)
        .select_related("unit", "container")
        .order_by("unit_id")
    )
    if taken:
        raise TraceError(
            TraceErrorCode.ALREADY_PACKED,
            _("Unit %(serial)s is already packed in %(sscc)s.")
            % {"serial": taken[0].unit.serial, "sscc": taken[0].container.sscc},
            field="units",
        )
    packed = dict(
        ContainerContent.objects.filter(
            batch__in=[lot.batch.pk for lot in lots], quantity__isnull=False, current=True
        )
        .values("batch_id")
        .annotate(total=Sum("quantity"))
        .values_list("batch_id", "total")
    )
    for lot in lots:
        batch = batches[lot.batch.pk]
        if lot.quantity is None or lot.quantity <= 0:
            raise TraceError(
                TraceErrorCode.NOT_POSITIVE,
                _("The quantity must be more than zero."),
                field="quantity",
            )
        left = batch.quantity - packed.get(batch.pk, Decimal(0))
        if lot.quantity > left:
            raise TraceError(
                TraceErrorCode.NOT_ENOUGH_LEFT,
                _("Lot %(lot)s has only %(left)s left to pack.")
                % {"lot": batch.lot, "left": plain_number(left)},
                field="quantity",
            )
    moment = _aware(event_time)
    _check_time(batches[min(batches)], moment)
    case = Container.objects.create(
        county_id=county_id,
        sscc=allocate_sscc(county_id),
        level=ContainerLevel.CASE,
        seller_id=_only_seller({b.seller_id for b in batches.values()}),
        packed_at=moment,
        packed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    ContainerContent.objects.bulk_create(
        [ContainerContent(container=case, batch_id=u.batch_id, unit=u) for u in units]
        + [
            ContainerContent(container=case, batch=batches[lot.batch.pk], quantity=lot.quantity)
            for lot in lots
        ]
    )
    event = _aggregation(
        action="ADD",
        biz_step="packing",
        moment=moment,
        parent=container_uri(case.sscc),
        child_epcs=[batch_link(batches[u.batch_id], serial=u.serial).uri for u in units],
        lots=[(batches[lot.batch.pk], lot.quantity) for lot in lots],
    )
    append_shared_event(
        batches=list(batches.values()), kind=EventKind.CASE_PACKING, event=event, actor=actor
    )
    record_audit(
        actor=actor,
        action="container.packed",
        target=case,
        county=case.county,
        changes={"sscc": case.sscc, "units": len(units), "lots": len(lots)},
    )
    return case


def _minute(moment: datetime.datetime) -> datetime.datetime:
    """Forms give times to the minute: "now" in the minute a container was packed is not
    before its packing (the event then takes the packing time)."""
    return moment.replace(second=0, microsecond=0)


def _batch_ids_inside(containers: Sequence[Container]) -> set[int]:
    """The batches whose goods are (still) inside the containers, through their cases."""
    ids = [c.pk for c in containers]
    inside = ContainerContent.objects.filter(current=True, batch__isnull=False).filter(
        Q(container_id__in=ids) | Q(container__parent_id__in=ids)
    )
    return set(inside.values_list("batch_id", flat=True))


@transaction.atomic
def pack_pallet(
    *, actor: Any, cases: Sequence[Container], event_time: datetime.datetime | None = None
) -> Container:
    """Put closed cases onto a new pallet with its own SSCC, and record the AggregationEvent
    (ADD, packing, container_closed; the cases' SSCCs as children) on every batch inside."""
    if not cases:
        raise TraceError(
            TraceErrorCode.REQUIRED, _("Choose the cases to put on the pallet."), field="cases"
        )
    locked = list(
        Container.objects.select_for_update().filter(pk__in=[c.pk for c in cases]).order_by("pk")
    )
    for case in locked:
        if not policies.may_handle_container(actor, case):
            raise PermissionDenied(_("Only the goods' seller or county staff may do this."))
        if case.level != ContainerLevel.CASE:
            raise TraceError(
                TraceErrorCode.NOT_A_CASE,
                _("%(sscc)s is a pallet; only cases go onto a pallet.") % {"sscc": case.sscc},
                field="cases",
            )
        if not case.is_open:
            raise TraceError(
                TraceErrorCode.INVALID_TRANSITION,
                _("Case %(sscc)s was unpacked.") % {"sscc": case.sscc},
                field="cases",
            )
        if case.parent_id is not None:
            raise TraceError(
                TraceErrorCode.ALREADY_PACKED,
                _("Case %(sscc)s is already on a pallet.") % {"sscc": case.sscc},
                field="cases",
            )
    county_id = _one_county({c.county_id for c in locked}, field="cases")
    batches = _lock_batches(_batch_ids_inside(locked))
    moment = _aware(event_time)
    _check_time(batches[min(batches)], moment)
    latest = max(case.packed_at for case in locked)
    if moment < _minute(latest):
        raise TraceError(
            TraceErrorCode.INVALID_TIME, _("A case was packed after this time."), field="event_time"
        )
    moment = max(moment, latest)
    pallet = Container.objects.create(
        county_id=county_id,
        sscc=allocate_sscc(county_id),
        level=ContainerLevel.PALLET,
        seller_id=_only_seller({c.seller_id for c in locked}),
        packed_at=moment,
        packed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for case in locked:
        case.parent = pallet
        case.full_clean(validate_unique=False, validate_constraints=False)
    Container.objects.filter(pk__in=[c.pk for c in locked]).update(parent=pallet)
    ContainerContent.objects.bulk_create(
        ContainerContent(container=pallet, child=c) for c in locked
    )
    event = _aggregation(
        action="ADD",
        biz_step="packing",
        moment=moment,
        parent=container_uri(pallet.sscc),
        child_epcs=[container_uri(c.sscc) for c in locked],
    )
    append_shared_event(
        batches=list(batches.values()), kind=EventKind.PALLETISING, event=event, actor=actor
    )
    record_audit(
        actor=actor,
        action="container.packed",
        target=pallet,
        county=pallet.county,
        changes={"sscc": pallet.sscc, "cases": len(locked)},
    )
    return pallet


@transaction.atomic
def unpack(
    *, actor: Any, container: Container, event_time: datetime.datetime | None = None
) -> Container:
    """Open a case or pallet for good (e.g. a village station receiving a pallet): its contents
    are free again (a pallet's cases stay closed) and the AggregationEvent (DELETE, unpacking,
    naming every child) goes onto every batch that was inside."""
    locked = Container.objects.select_for_update().get(pk=container.pk)
    if not policies.may_handle_container(actor, locked):
        raise PermissionDenied(_("Only the goods' seller or county staff may do this."))
    if not locked.is_open:
        raise TraceError(
            TraceErrorCode.INVALID_TRANSITION,
            _("%(sscc)s was already unpacked.") % {"sscc": locked.sscc},
            field="container",
        )
    if locked.parent_id is not None:
        raise TraceError(
            TraceErrorCode.INVALID_TRANSITION,
            _("This case is on pallet %(sscc)s; unpack the pallet first.")
            % {"sscc": locked.parent.sscc},
            field="container",
        )
    contents = list(
        ContainerContent.objects.filter(container=locked, current=True)
        .select_related("unit", "child")
        .order_by("pk")
    )
    batches = _lock_batches(_batch_ids_inside([locked]))
    moment = _aware(event_time)
    _check_time(batches[min(batches)], moment)
    if moment < _minute(locked.packed_at):
        raise TraceError(
            TraceErrorCode.INVALID_TIME,
            _("This is before the container was packed."),
            field="event_time",
        )
    moment = max(moment, locked.packed_at)
    ContainerContent.objects.filter(pk__in=[row.pk for row in contents]).update(current=False)
    Container.objects.filter(parent=locked).update(parent=None)
    locked.unpacked_at = moment
    locked.unpacked_by = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=["unpacked_at", "unpacked_by", "updated_at"])
    children = [
        container_uri(row.child.sscc)
        if row.child_id
        else batch_link(batches[row.batch_id], serial=row.unit.serial).uri
        for row in contents
        if row.quantity is None
    ]
    event = _aggregation(
        action="DELETE",
        biz_step="unpacking",
        moment=moment,
        parent=container_uri(locked.sscc),
        child_epcs=children,
        lots=[(batches[row.batch_id], row.quantity) for row in contents if row.quantity],
    )
    append_shared_event(
        batches=list(batches.values()), kind=EventKind.UNPACKING, event=event, actor=actor
    )
    record_audit(
        actor=actor,
        action="container.unpacked",
        target=locked,
        county=locked.county,
        changes={"sscc": locked.sscc},
    )
    container.unpacked_at, container.unpacked_by = locked.unpacked_at, locked.unpacked_by
    return locked
