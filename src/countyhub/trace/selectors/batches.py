"""Back office: the batches a user manages, and the orders a recall reaches."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from countyhub.core.permissions import admin_county_ids
from countyhub.trace import policies
from countyhub.trace.models import Batch, BatchShipment


def batches_visible_to(user: Any) -> QuerySet[Batch]:
    """The batches a user manages: their sellers' and, for county staff, their counties'."""
    counties = admin_county_ids(user)
    base = Batch.objects.select_related("product", "seller", "county")
    if counties is None:
        return base.all()
    return base.filter(Q(seller_id__in=policies.seller_ids_of(user)) | Q(county_id__in=counties))


@dataclass(frozen=True)
class RecallLine:
    order_number: str
    placed_at: datetime.datetime
    status: str
    product_name: str
    quantity: Any
    # Of the order line this shipment went into, how much was refunded (returned or not): a
    # recall need not chase goods the buyer already gave back.
    refunded_quantity: Any
    unit: str  # the catalog's unit code: `quantity|with_unit:unit` shows "2 boxes"
    destination: str
    batch_lot: str


def recall_lines(batches: list[Batch]) -> list[RecallLine]:
    """Every order that received any of `batches`, with how much and where it went."""
    shipments = (
        BatchShipment.objects.filter(batch__in=batches)
        .select_related("order__station__village", "order_line", "batch")
        .order_by("order__placed_at", "order__number", "pk")
    )
    return [
        RecallLine(
            order_number=s.order.number,
            placed_at=s.order.placed_at,
            status=s.order.get_status_display(),
            product_name=s.order_line.product_name,
            quantity=s.quantity,
            refunded_quantity=s.order_line.refunded_quantity,
            unit=s.batch.unit,
            destination=s.order.station.name if s.order.station else s.order.address,
            batch_lot=s.batch.lot,
        )
        for s in shipments
    ]
