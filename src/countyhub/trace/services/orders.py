"""Orders: which batches each order shipped from (first-expiring first)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from countyhub.gs1.epcis import BizTransaction, Event, EventType, offset_of
from countyhub.trace.identifiers import batch_quantity, lot_uri
from countyhub.trace.models import Batch, BatchShipment, EventKind
from countyhub.trace.services.events import NewEvent, _aware, append_events


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


def on_order_packed(sender: Any, *, order: Any, actor: Any, **kwargs: Any) -> None:
    """Receiver of shop's `order_packed`: the batches the order ships from, first-expiring
    first."""
    record_order_batches(order=order, actor=actor)


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
