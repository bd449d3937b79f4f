"""Use cases that change trace data: batches, events (append-only, hash-chained), corrections,
EPCIS import, the batches an order ships from, and scans."""

from __future__ import annotations

import datetime
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import quote

import psycopg
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Seller
from countyhub.core.audit import record_audit
from countyhub.core.models import Village
from countyhub.gs1 import cbv, coldchain, keys
from countyhub.gs1.builders import farming_event, harvest_event, inspection_event
from countyhub.gs1.epcis import (
    BizTransaction,
    Event,
    EventType,
    Location,
    QuantityElement,
    declare_error,
    event_from_jsonld,
    event_to_jsonld,
    offset_of,
)
from countyhub.gs1.errors import GS1KeyError
from countyhub.gs1.hashing import chain_hash, event_hash_ids
from countyhub.trace import policies, selectors
from countyhub.trace.errors import TraceError
from countyhub.trace.identifiers import (
    KG_PER_UNIT,
    NAMESPACES,
    VOCABULARY,
    allocate_sscc,
    batch_link,
    batch_quantity,
    container_uri,
    harvest_gtin,
    harvest_lot_uri,
    logger_link,
    lot_uri,
    plot_uri,
    product_gtin,
)
from countyhub.trace.models import (
    Batch,
    BatchShipment,
    Container,
    ContainerContent,
    ContainerLevel,
    EventKind,
    Scan,
    SerialisedUnit,
    TraceEvent,
)
from countyhub.trace.selectors import packing_balance, spray_intervals


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Only the batch's seller or county staff may do this."))


# ---------------------------------------------------------------------------------------------
# Batches


@transaction.atomic
def create_batch(
    *,
    actor: Any,
    product: Product,
    lot: str,
    quantity: Decimal,
    plot: str,
    production_date: datetime.date | None = None,
    expiry_date: datetime.date | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    serial_count: int = 0,
) -> Batch:
    """A new lot of `product`, by its seller's staff (or county staff)."""
    seller: Seller = product.seller
    _require(policies.may_create_for(actor, seller.pk, product.county_id))
    try:
        lot = keys.validate_lot(lot.strip())
    except GS1KeyError as error:
        raise TraceError(str(error), field="lot") from error
    if quantity is None or quantity <= 0:
        raise TraceError(_("The quantity must be more than zero."), field="quantity")
    if not plot.strip():
        raise TraceError(_("Name the field or plot."), field="plot")
    if production_date and expiry_date and expiry_date < production_date:
        raise TraceError(_("The expiry date is before the production date."), field="expiry_date")
    if (latitude is None) != (longitude is None):
        raise TraceError(_("Give both latitude and longitude, or neither."), field="latitude")
    if not 0 <= serial_count <= 500:
        raise TraceError(_("Serialise at most 500 units per batch."), field="serial_count")
    gtin, harvest = product_gtin(product), harvest_gtin(product)
    if Batch.objects.filter(gtin=gtin, lot=lot).exists():
        raise TraceError(_("This product already has a batch with this lot number."), field="lot")
    batch = Batch.objects.create(
        county_id=product.county_id,
        product=product,
        seller=seller,
        gtin=gtin,
        harvest_gtin=harvest,
        lot=lot,
        quantity=quantity,
        unit=product.unit,
        production_date=production_date,
        expiry_date=expiry_date,
        plot=plot.strip(),
        latitude=latitude,
        longitude=longitude,
    )
    # Numeric serials, unique per GTIN (the batch id leads), so that a unit's /21/ link names
    # one unit and the serial fits an SGTIN-96 RFID tag (at most 2^38 - 1).
    SerialisedUnit.objects.bulk_create(
        SerialisedUnit(batch=batch, serial=f"{batch.pk}{n:04d}") for n in range(1, serial_count + 1)
    )
    record_audit(
        actor=actor,
        action="batch.created",
        target=batch,
        county=batch.county,
        changes={"lot": lot, "quantity": quantity},
    )
    return batch


# ---------------------------------------------------------------------------------------------
# Events: every write goes through append_events, which hashes and chains.


@dataclass(frozen=True)
class NewEvent:
    kind: str
    event: Event
    corrects: TraceEvent | None = None


def append_events(*, batch: Batch, items: Sequence[NewEvent], actor: Any) -> list[TraceEvent]:
    """Hash the events (CBV 2.0 hash ID), extend the batch's chain, store them; caller holds
    the transaction. The batch row is locked so that two recorders cannot fork the chain."""
    locked = Batch.objects.select_for_update().get(pk=batch.pk)
    hashes = event_hash_ids([item.event for item in items], namespaces=NAMESPACES)
    previous, sequence, rows = locked.chain_head, locked.event_count, []
    for item, event_hash in zip(items, hashes, strict=True):
        event = item.event if item.event.event_id else replace(item.event, event_id=event_hash)
        previous = chain_hash(previous, event_hash, event.error_declaration)
        sequence += 1
        rows.append(
            TraceEvent(
                county_id=locked.county_id,
                batch=locked,
                sequence=sequence,
                kind=item.kind,
                event_id=event.event_id,
                event_time=event.event_time,
                document=event_to_jsonld(event),
                namespaces=NAMESPACES,
                event_hash=event_hash,
                chain_hash=previous,
                corrects=item.corrects,
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    TraceEvent.objects.bulk_create(rows)
    Batch.objects.filter(pk=locked.pk).update(chain_head=previous, event_count=sequence)
    batch.chain_head, batch.event_count = previous, sequence
    return rows


def append_shared_event(
    *, batches: Sequence[Batch], kind: str, event: Event, actor: Any
) -> list[TraceEvent]:
    """Append one event that concerns several batches (lots packed together in a case or on a
    pallet) to each batch's own chain: hashed once, so every chain holds the same eventID.
    Caller holds the transaction; batch rows are locked in pk order (as _fefo_batches does) so
    that two packers never deadlock."""
    ids = sorted({batch.pk for batch in batches})
    locked = list(Batch.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    (event_hash,) = event_hash_ids([event], namespaces=NAMESPACES)
    event = event if event.event_id else replace(event, event_id=event_hash)
    document = event_to_jsonld(event)
    rows = []
    for batch in locked:
        batch.chain_head = chain_hash(batch.chain_head, event_hash)
        batch.event_count += 1
        rows.append(
            TraceEvent(
                county_id=batch.county_id,
                batch=batch,
                sequence=batch.event_count,
                kind=kind,
                event_id=event.event_id,
                event_time=event.event_time,
                document=document,
                namespaces=NAMESPACES,
                event_hash=event_hash,
                chain_hash=batch.chain_head,
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
        Batch.objects.filter(pk=batch.pk).update(
            chain_head=batch.chain_head, event_count=batch.event_count
        )
    TraceEvent.objects.bulk_create(rows)
    heads = {batch.pk: batch for batch in locked}
    for batch in batches:
        batch.chain_head, batch.event_count = (
            heads[batch.pk].chain_head,
            heads[batch.pk].event_count,
        )
    return rows


def _record(
    *, batch: Batch, kind: str, event: Event, actor: Any, corrects: TraceEvent | None
) -> TraceEvent:
    """Append a new event, or, when it `corrects` a recorded one, the correction pair."""
    if corrects is None:
        return append_events(batch=batch, items=[NewEvent(kind, event)], actor=actor)[0]
    if corrects.batch_id != batch.pk or corrects.kind != kind:
        raise TraceError(_("A correction must be the same step of the same batch."), field="event")
    return correct_event(actor=actor, erroneous=corrects, corrective=event)[0]


def _location(batch: Batch) -> Location:
    extensions = {}
    if batch.latitude is not None and batch.longitude is not None:
        extensions = {
            f"{cbv.COUNTY_PREFIX}:latitude": float(batch.latitude),
            f"{cbv.COUNTY_PREFIX}:longitude": float(batch.longitude),
        }
    return Location(id=plot_uri(batch), extensions=extensions)


def _aware(moment: datetime.datetime | None) -> datetime.datetime:
    moment = moment or timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).replace(microsecond=0)


def _check_time(batch: Batch, moment: datetime.datetime) -> None:
    if moment > timezone.now() + datetime.timedelta(minutes=5):
        raise TraceError(_("The time is in the future."), field="event_time")


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
        raise TraceError(_("The harvested weight must be more than zero."), field="quantity_kg")
    moment = _aware(event_time)
    _check_time(batch, moment)
    rows = list(batch.events.exclude(pk=getattr(corrects, "pk", None)))
    for interval in spray_intervals(rows, harvested=moment):
        if not interval.kept:
            raise TraceError(
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
        raise TraceError(_("Attach at least one certificate or lab report."), field="documents")
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


def _packhouse(batch: Batch, name: str, position: tuple[Decimal, Decimal] | None) -> Location:
    if not name.strip():
        return _location(batch)
    extensions: dict[str, Any] = {f"{cbv.COUNTY_PREFIX}:placeName": name.strip()}
    if position is not None:
        extensions[f"{cbv.COUNTY_PREFIX}:latitude"] = float(position[0])
        extensions[f"{cbv.COUNTY_PREFIX}:longitude"] = float(position[1])
    place = quote(name.strip(), safe="")
    return Location(id=f"urn:countyhub:place:{batch.county_id}:{place}", extensions=extensions)


@transaction.atomic
def record_packing(
    *,
    actor: Any,
    batch: Batch,
    packed_quantity: Decimal,
    harvest_used_kg: Decimal,
    event_time: datetime.datetime | None = None,
    packhouse: str = "",
    packhouse_position: tuple[Decimal, Decimal] | None = None,
    corrects: TraceEvent | None = None,
) -> TraceEvent:
    """Packing as a TransformationEvent (CBV `commissioning` of the packed lot): `harvest_used_kg`
    of the unpacked harvest in, `packed_quantity` sale units of the product out (and the
    batch's serialised units commissioned with them). Packing may happen in several sessions,
    but never packs more than was harvested, nor more units than the batch holds."""
    _require(policies.may_record(actor, batch))
    if packed_quantity is None or packed_quantity <= 0:
        raise TraceError(_("The packed quantity must be more than zero."), field="packed_quantity")
    if harvest_used_kg is None or harvest_used_kg <= 0:
        raise TraceError(_("The harvest used must be more than zero."), field="harvest_used_kg")
    harvested, packed_kg, packed_units = packing_balance(batch, excluding=corrects)
    if not harvested:
        raise TraceError(_("Record the harvest before packing."), field="harvest_used_kg")
    if float(harvest_used_kg) > harvested - packed_kg + 1e-9:
        raise TraceError(
            _("More harvest used than is left unpacked (%(left)s kg).")
            % {"left": _number(harvested - packed_kg)},
            field="harvest_used_kg",
        )
    if float(packed_quantity) > float(batch.quantity) - packed_units + 1e-9:
        raise TraceError(
            _("More packed than the batch has left to pack (%(left)s).")
            % {"left": _number(float(batch.quantity) - packed_units)},
            field="packed_quantity",
        )
    if batch.unit in KG_PER_UNIT and packed_quantity * KG_PER_UNIT[batch.unit] > harvest_used_kg:
        raise TraceError(
            _("Packed by weight, the lot cannot weigh more than the harvest used (%(kg)s kg).")
            % {"kg": _number(float(harvest_used_kg))},
            field="packed_quantity",
        )
    moment = _aware(event_time)
    _check_time(batch, moment)
    # The first packing session commissions the serialised units (also when it is corrected:
    # the balance leaves the corrected event out, so its correction commissions them again).
    units = (
        ()
        if packed_units
        else tuple(batch_link(batch, serial=unit.serial).uri for unit in batch.units.all())
    )
    event = Event(
        type=EventType.TRANSFORMATION,
        event_time=moment,
        event_time_zone_offset=offset_of(moment),
        biz_step="commissioning",
        disposition="active",
        input_quantity_list=(
            QuantityElement(
                epc_class=harvest_lot_uri(batch), quantity=float(harvest_used_kg), uom="KGM"
            ),
        ),
        output_quantity_list=(batch_quantity(batch, lot_uri(batch), packed_quantity),),
        output_epc_list=units,
        read_point=_packhouse(batch, packhouse, packhouse_position),
        ilmd=_packed_lot_master_data(batch),
    )
    return _record(batch=batch, kind=EventKind.PACKING, event=event, actor=actor, corrects=corrects)


def _packed_lot_master_data(batch: Batch) -> dict[str, Any] | None:
    """The packed lot's master data (CBV `cbvmda:`): its expiry and the harvest date."""
    data: dict[str, Any] = {}
    if batch.expiry_date:
        data["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    if batch.production_date:
        data["cbvmda:harvestStartDate"] = batch.production_date.isoformat()
    return data or None


def _number(value: float) -> str:
    return format(Decimal(str(round(value, 3))).normalize(), "f")


@transaction.atomic
def correct_event(
    *,
    actor: Any,
    erroneous: TraceEvent,
    corrective: Event,
    reason: str = "incorrect_data",
) -> tuple[TraceEvent, TraceEvent]:
    """Correct a recorded event without editing it: append the corrective event, then the
    erroneous event's error declaration naming it (EPCIS 2.0 section 7.4.1.2)."""
    batch = erroneous.batch
    _require(policies.may_record(actor, batch))
    if erroneous.kind == EventKind.ERROR_DECLARATION:
        raise TraceError(_("An error declaration cannot itself be corrected."), field="event")
    if TraceEvent.objects.filter(corrects=erroneous, kind=EventKind.ERROR_DECLARATION).exists():
        raise TraceError(_("This event was already corrected."), field="event")
    if reason not in cbv.ERROR_REASONS:
        raise TraceError(_("Unknown error reason."), field="reason")
    (fixed,) = append_events(
        batch=batch, items=[NewEvent(erroneous.kind, corrective, corrects=erroneous)], actor=actor
    )
    declaration = declare_error(
        event_from_jsonld(erroneous.document),
        declaration_time=_aware(None),
        reason=reason,
        corrective_event_ids=[fixed.event_id],
    )
    (declared,) = append_events(
        batch=batch,
        items=[NewEvent(EventKind.ERROR_DECLARATION, declaration, corrects=erroneous)],
        actor=actor,
    )
    record_audit(
        actor=actor,
        action="trace_event.corrected",
        target=erroneous,
        county=batch.county,
        changes={"corrective": fixed.event_id, "reason": reason},
    )
    return fixed, declared


# ---------------------------------------------------------------------------------------------
# Cold chain: a temperature logger travels with the lot.

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
        raise TraceError(_("Give at least two readings."), field="readings")
    if len(readings) > MAX_READINGS:
        raise TraceError(
            _("At most %(count)s readings per trip.") % {"count": MAX_READINGS}, field="readings"
        )
    if None not in (required_min, required_max) and required_min >= required_max:
        raise TraceError(
            _("The lowest temperature must be below the highest."), field="required_min"
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


# ---------------------------------------------------------------------------------------------
# Orders: which batches each order shipped from (first-expiring first).


def _fefo_batches(product_id: int, unit: str) -> list[Batch]:
    candidates = (
        Batch.objects.filter(product_id=product_id, unit=unit, shipped_quantity__lt=F("quantity"))
        .order_by(F("expiry_date").asc(nulls_last=True), "production_date", "pk")
        .values_list("pk", flat=True)
    )
    ids = list(candidates)
    # Lock in pk order (as shop.allocation does) so that two packers never deadlock.
    locked = {b.pk: b for b in Batch.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    return [locked[pk] for pk in ids]


@transaction.atomic
def record_order_batches(
    *, order: Any, actor: Any, event_time: datetime.datetime | None = None
) -> list[BatchShipment]:
    """Hook called when an order is packed: take each line's quantity from the product's
    batches, first-expiring first, and append a shipping event to each batch used. Lines whose
    product has no (or too little) traced stock stay partly untraced; nothing else changes."""
    if BatchShipment.objects.filter(order=order).exists():
        return list(BatchShipment.objects.filter(order=order))
    created: list[BatchShipment] = []
    for line in order.lines.select_related("product").order_by("pk"):
        wanted = line.quantity
        for batch in _fefo_batches(line.product_id, line.product.unit):
            if wanted <= 0:
                break
            take = min(wanted, batch.quantity - batch.shipped_quantity)
            if take <= 0:
                continue
            Batch.objects.filter(pk=batch.pk).update(shipped_quantity=F("shipped_quantity") + take)
            created.append(BatchShipment(batch=batch, order=order, order_line=line, quantity=take))
            wanted -= take
    BatchShipment.objects.bulk_create(created)
    moment = _aware(event_time)
    for shipment in created:
        batch = shipment.batch
        event = Event(
            type=EventType.OBJECT,
            event_time=moment,
            event_time_zone_offset=offset_of(moment),
            action="OBSERVE",
            biz_step="shipping",
            disposition="in_transit",
            quantity_list=(batch_quantity(batch, lot_uri(batch), shipment.quantity),),
            biz_transactions=(
                BizTransaction(value=f"urn:countyhub:order:{order.number}", type="po"),
            ),
        )
        append_events(batch=batch, items=[NewEvent(EventKind.SHIPPING, event)], actor=actor)
    return created


# ---------------------------------------------------------------------------------------------
# Scans


def _coarse(value: Any, limit: int) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    if not number.is_finite() or abs(number) > limit:
        return None
    return number.quantize(Decimal("0.1"))


def record_scan(*, batch_id: int, latitude: Any = None, longitude: Any = None) -> None:
    """Count one scan: one INSERT (no read, no lock, no model machinery), so bursts lose
    nothing and cost little."""
    lat, lon = _coarse(latitude, 90), _coarse(longitude, 180)
    if lat is None or lon is None:
        lat = lon = None
    table = Scan._meta.db_table
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (batch_id, scanned_at, latitude, longitude) "
                "VALUES (%s, %s, %s, %s)",
                [batch_id, timezone.now(), lat, lon],
            )
    except IntegrityError:  # the batch vanished between the read and the insert
        return


# ---------------------------------------------------------------------------------------------
# Cases and pallets: AggregationEvents with SSCC parents, shared by every batch inside.


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
        raise TraceError(_("Cases and pallets hold goods of one county only."), field=field)
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
        raise TraceError(_("Choose units or a quantity to pack."), field="units")
    serials = [unit.pk for unit in units]
    if len(set(serials)) != len(serials):
        raise TraceError(_("A unit is chosen twice."), field="units")
    if len({lot.batch.pk for lot in lots}) != len(lots):
        raise TraceError(_("A lot is given twice; give its total once."), field="quantity")
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
            raise TraceError(_("The quantity must be more than zero."), field="quantity")
        left = batch.quantity - packed.get(batch.pk, Decimal(0))
        if lot.quantity > left:
            raise TraceError(
                _("Lot %(lot)s has only %(left)s left to pack.")
                % {"lot": batch.lot, "left": format(left.normalize(), "f")},
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
        raise TraceError(_("Choose the cases to put on the pallet."), field="cases")
    locked = list(
        Container.objects.select_for_update().filter(pk__in=[c.pk for c in cases]).order_by("pk")
    )
    for case in locked:
        if not policies.may_handle_container(actor, case):
            raise PermissionDenied(_("Only the goods' seller or county staff may do this."))
        if case.level != ContainerLevel.CASE:
            raise TraceError(
                _("%(sscc)s is a pallet; only cases go onto a pallet.") % {"sscc": case.sscc},
                field="cases",
            )
        if not case.is_open:
            raise TraceError(_("Case %(sscc)s was unpacked.") % {"sscc": case.sscc}, field="cases")
        if case.parent_id is not None:
            raise TraceError(
                _("Case %(sscc)s is already on a pallet.") % {"sscc": case.sscc}, field="cases"
            )
    county_id = _one_county({c.county_id for c in locked}, field="cases")
    batches = _lock_batches(_batch_ids_inside(locked))
    moment = _aware(event_time)
    _check_time(batches[min(batches)], moment)
    latest = max(case.packed_at for case in locked)
    if moment < _minute(latest):
        raise TraceError(_("A case was packed after this time."), field="event_time")
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
            _("%(sscc)s was already unpacked.") % {"sscc": locked.sscc}, field="container"
        )
    if locked.parent_id is not None:
        raise TraceError(
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
        raise TraceError(_("This is before the container was packed."), field="event_time")
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


@dataclass(frozen=True)
class ScannedBatch:
    """The batch a scanned link names, and a version of what its trace page shows."""

    batch_id: int
    version: str


def record_link_scan(
    *,
    gtin: str,
    lot: str | None = None,
    serial: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
) -> ScannedBatch | None:
    """Count one scan of a lot link (`gtin` + `lot`) or serial link (`gtin` + `serial`) and
    return its batch with the version the trace page is cached under; None, counting nothing,
    when no batch has this code.

    The version changes with any change of the batch's stored events, so a tampered record is
    never served from cache as authentic: the page is rebuilt and its chain verified again.
    On PostgreSQL this is one statement, one round trip per scan: the scan INSERT and the
    version read share a CTE, and the version costs no document text. It is each event row's
    physical version, (xmin, ctid): PostgreSQL never changes a row in place, every UPDATE (also a
    direct one in psql, also one that writes the old text back) writes a new row version, stamped
    with the writing transaction's id (xmin) at a new place (ctid, new even within one
    transaction, and never reused while that transaction is open), and a deleted or re-inserted
    row drops out of or changes the list. So no edit made through SQL keeps the version, and
    unlike a trigger-maintained checksum this cannot be switched off (DISABLE TRIGGER,
    session_replication_role) and needs no schema change; a table rewrite (VACUUM FULL, a
    restore) only changes versions, costing one rebuild. The batch row's own version is in it
    too, so an edit of the batch (plot, chain head) shows at once. Elsewhere (SQLite) the version
    is a digest of the events' text (selectors.page_digest) and the scan a second statement."""
    if connection.vendor != "postgresql":
        found = (
            selectors.page_digest(gtin=gtin, lot=lot)
            if lot is not None
            else selectors.page_digest(gtin=gtin, serial=serial or "")
        )
        if found is None:
            return None
        record_scan(batch_id=found[0], latitude=latitude, longitude=longitude)
        return ScannedBatch(batch_id=found[0], version=found[1])
    lat, lon = _coarse(latitude, 90), _coarse(longitude, 180)
    if lat is None or lon is None:
        lat = lon = None
    sql = _scan_sql(by_lot=lot is not None)
    params = [gtin, lot if lot is not None else serial, timezone.now(), lat, lon]
    # What connection.cursor() does before handing out a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    # A server-side prepared statement: planning this statement cost PostgreSQL more than
    # running it (0.15 of 0.25 ms per scan in a burst). Django's cursors bind parameters
    # client-side and never prepare, so this one statement goes through psycopg's own cursor on
    # Django's connection (same transaction; errors still become django.db errors; it is not in
    # Django's debug query log). Django turns psycopg's preparing off (prepare_threshold None)
    # for transaction-pooling proxies unless the database OPTIONS say otherwise; a threshold no
    # query reaches lets prepare=True prepare this statement alone. An explicit
    # prepare_threshold in OPTIONS (None: never prepare) is left as it is.
    raw = connection.connection
    if "prepare_threshold" not in connection.settings_dict["OPTIONS"]:
        raw.prepare_threshold = sys.maxsize
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    return None if row is None else ScannedBatch(batch_id=row[0], version=row[1])


@cache
def _scan_sql(*, by_lot: bool) -> str:
    """record_link_scan's statement on PostgreSQL, for a lot link or a serial link."""
    batch, event, unit, scan = (m._meta.db_table for m in (Batch, TraceEvent, SerialisedUnit, Scan))
    join, condition = "", "b.lot = %s"
    if not by_lot:
        join, condition = f"JOIN {unit} u ON u.batch_id = b.id", "u.serial = %s"
    return (
        f"WITH target AS (SELECT b.id, b.xmin::text || b.ctid::text AS version "
        f"FROM {batch} b {join} "
        # A serial may repeat across batches of one GTIN: the newest batch, as batch_for_serial.
        f"WHERE b.gtin = %s AND {condition} ORDER BY b.created_at DESC, b.id DESC LIMIT 1), "
        f"counted AS (INSERT INTO {scan} (batch_id, scanned_at, latitude, longitude) "
        "SELECT id, %s::timestamptz, %s::numeric, %s::numeric FROM target) "
        "SELECT t.id, t.version || '.' || COALESCE((SELECT md5(string_agg("
        "e.id::text || ':' || e.xmin::text || e.ctid::text, ',' ORDER BY e.sequence)) "
        f"FROM {event} e WHERE e.batch_id = t.id), '') FROM target t"
    )


@transaction.atomic
def receive_at_station(
    *,
    actor: Any,
    container: Container,
    station: Village,
    event_time: datetime.datetime | None = None,
) -> Container:
    """A village service station takes in a case or pallet (CBV `receiving`, disposition
    `in_progress`, the station as where it is now) on every batch inside; the station's
    operator may then unpack it to hand the goods out."""
    locked = Container.objects.select_for_update().get(pk=container.pk)
    if station.pk not in policies.receiving_stations(actor, locked):
        if not locked.is_open or locked.parent_id is not None or locked.received_at is not None:
            raise TraceError(
                _("%(sscc)s cannot be received: it is unpacked, on a pallet or already in.")
                % {"sscc": locked.sscc},
                field="container",
            )
        raise PermissionDenied(_("Only the station's operator or county staff may do this."))
    batches = _lock_batches(_batch_ids_inside([locked]))
    moment = _aware(event_time)
    _check_time(batches[min(batches)], moment)
    if moment < _minute(locked.packed_at):
        raise TraceError(_("This is before the container was packed."), field="event_time")
    moment = max(moment, locked.packed_at)
    place = Location(
        id=f"urn:countyhub:station:{station.county_id}:{station.pk}",
        extensions={f"{cbv.COUNTY_PREFIX}:placeName": str(station)},
    )
    event = Event(
        type=EventType.OBJECT,
        event_time=moment,
        event_time_zone_offset=offset_of(moment),
        action="OBSERVE",
        epc_list=(container_uri(locked.sscc),),
        biz_step="receiving",
        disposition="in_progress",
        read_point=place,
        biz_location=place,
    )
    append_shared_event(
        batches=list(batches.values()), kind=EventKind.RECEIVING, event=event, actor=actor
    )
    Container.objects.filter(pk=locked.pk).update(received_at=moment, received_station=station)
    locked.received_at, locked.received_station = moment, station
    record_audit(
        actor=actor,
        action="container.received",
        target=locked,
        county=locked.county,
        changes={"sscc": locked.sscc, "station": station.pk},
    )
    return locked
