"""Order queries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth

from countyhub.shop.models import Order, OrderStatus

TO_FULFIL = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PACKED)
NOT_SOLD = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def orders_of_buyer(*, buyer: Any) -> QuerySet[Order]:
    return Order.objects.filter(buyer=buyer).select_related("seller", "county", "station")


def orders_awaiting_shipment(*, seller_ids: list[int]) -> QuerySet[Order]:
    return (
        Order.objects.filter(seller_id__in=seller_ids, status__in=TO_FULFIL)
        .select_related("station", "buyer", "payment")
        .prefetch_related("lines")
        .order_by("placed_at")
    )


def monthly_sales(*, seller_ids: list[int], since: datetime.datetime) -> list[tuple[str, Decimal]]:
    rows = (
        Order.objects.filter(seller_id__in=seller_ids, placed_at__gte=since)
        .exclude(status__in=NOT_SOLD)
        .annotate(month=TruncMonth("placed_at"))
        .values("month")
        .annotate(total=Sum("total"))
        .order_by("month")
    )
    return [(row["month"].strftime("%Y-%m"), row["total"]) for row in rows]
