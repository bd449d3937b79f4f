"""Packing: the harvest transformed into sale units of the product, in one or more sessions."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.core.numbers import plain_number
from countyhub.gs1 import cbv
from countyhub.gs1.epcis import Event, EventType, Location, QuantityElement, offset_of
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import (
    KG_PER_UNIT,
    batch_link,
    batch_quantity,
    harvest_lot_uri,
    lot_uri,
)
from countyhub.trace.models import Batch, EventKind, TraceEvent
from countyhub.trace.selectors import packing_balance
from countyhub.trace.services.batches import _require
from countyhub.trace.services.events import _aware, _check_time
from countyhub.trace.services.steps import _location, _record


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
        raise TraceError(
            TraceErrorCode.NOT_POSITIVE,
            _("The packed quantity must be more than zero."),
            field="packed_quantity",
        )
    if harvest_used_kg is None or harvest_used_kg <= 0:
        raise TraceError(
            TraceErrorCode.NOT_POSITIVE,
            _("The harvest used must be more than zero."),
            field="harvest_used_kg",
        )
    harvested, packed_kg, packed_units = packing_balance(batch, excluding=corrects)
    if not harvested:
        raise TraceError(
            TraceErrorCode.INVALID_TRANSITION,
            _("Record the harvest before packing."),
            field="harvest_used_kg",
        )
    if float(harvest_used_kg) > harvested - packed_kg + 1e-9:
        raise TraceError(
            TraceErrorCode.NOT_ENOUGH_LEFT,
            _("More harvest used than is left unpacked (%(left)s kg).")
            % {"left": _number(harvested - packed_kg)},
            field="harvest_used_kg",
        )
    if float(packed_quantity) > float(batch.quantity) - packed_units + 1e-9:
        raise TraceError(
            TraceErrorCode.NOT_ENOUGH_LEFT,
            _("More packed than the batch has left to pack (%(left)s).")
            % {"left": _number(float(batch.quantity) - packed_units)},
            field="packed_quantity",
        )
    if batch.unit in KG_PER_UNIT and packed_quantity * KG_PER_UNIT[batch.unit] > harvest_used_kg:
        raise TraceError(
            TraceErrorCode.INVALID_QUANTITY,
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
    return plain_number(Decimal(str(round(value, 3))))
