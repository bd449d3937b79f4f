"""Order queries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from countyhub.catalog.models import Household
from countyhub.core.money import quantize_cny
from countyhub.shop.models import Order, OrderStatus
from countyhub.stations.models import Station

TO_FULFIL = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PACKED)
# An order is a sale unless it was cancelled or refunded; the KPIs, payouts and training
# outcomes all count sales this way, and count each sale's money net of what was refunded of it
# (a refund of some lines leaves the order a sale): NET_TOTAL and NET_LINE_TOTAL.
NOT_SALES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
NET_TOTAL = F("total") - F("refunded_total")
NET_LINE_TOTAL = F("line_total") - F("refunded_amount")
# Before these, the goods are still on the shelf (allocated); from SHIPPED on they have left.
GOODS_LEFT = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def sales(*, county: Any = None) -> QuerySet[Order]:
    """Orders that count as sales (of `county`, if given)."""
    orders = Order.objects.exclude(status__in=NOT_SALES)
    return orders if county is None else orders.filter(county=county)


def orders_of_buyer(*, buyer: Any) -> QuerySet[Order]:
    return Order.objects.filter(buyer=buyer).select_related("seller", "county", "station__village")


def orders_awaiting_shipment(*, seller_ids: list[int]) -> QuerySet[Order]:
    return (
        Order.objects.filter(seller_id__in=seller_ids, status__in=TO_FULFIL)
        .select_related("station__village", "buyer", "payment")
        .prefetch_related("lines")
        .order_by("placed_at")
    )


def monthly_sales(*, seller_ids: list[int], since: datetime.datetime) -> list[tuple[str, Decimal]]:
    rows = (
        sales()
        .filter(seller_id__in=seller_ids, placed_at__gte=since)
        .annotate(month=TruncMonth("placed_at"))
        .values("month")
        .annotate(net=Sum(NET_TOTAL))
        .order_by("month")
    )
    # SQLite hands back a sum of differences unquantized: to the fen, as every figure of money.
    return [(row["month"].strftime("%Y-%m"), quantize_cny(row["net"])) for row in rows]


def orders_at_stations(*, station_ids: list[int]) -> QuerySet[Order]:
    """Parcels on their way to, or waiting at, these village service stations."""
    return (
        Order.objects.filter(
            station_id__in=station_ids,
            status__in=(OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.DELIVERED),
        )
        .select_related("station__village", "seller", "payment", "shipment")
        .order_by("status", "placed_at")
    )


def orders_for_villagers(*, station_ids: list[int], limit: int = 50) -> list[Order]:
    """The latest orders operators placed for villagers at these stations, newest first."""
    return list(
        Order.objects.filter(station_id__in=station_ids)
        .exclude(placed_for_name="")
        .select_related("station__village", "seller", "payment", "placed_for_household")
        .order_by("-placed_at", "-pk")[:limit]
    )


def households_matching(*, station: Station, q: str, limit: int = 10) -> list[Household]:
    """Registered households of the station's village by the head's name or the household ID,
    for picking one (an operator sees their own village's households only, as when registering).

    Only identifying fields are loaded: whether a household is registered poor is not for
    station operators.
    """
    q = q.strip()
    if not q:
        return []
    match = Q(head_name__icontains=q)
    if q.isdigit():
        match |= Q(pk=int(q))
    households = Household.objects.filter(match, village_id=station.village_id)
    return list(_identifying(households)[:limit])


def household_in(*, station: Station, household_id: object) -> Household | None:
    """The chosen household, if the posted ID is one of the station's village's."""
    if not str(household_id or "").isdigit():
        return None
    chosen = Household.objects.filter(village_id=station.village_id, pk=int(str(household_id)))
    return _identifying(chosen).first()


def _identifying(households: QuerySet[Household]) -> QuerySet[Household]:
    return (
        households.select_related("village")
        .only("pk", "head_name", "county_id", "village__name")
        .order_by("head_name", "pk")
    )
