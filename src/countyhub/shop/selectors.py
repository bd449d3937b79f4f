"""Order queries."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Round, TruncMonth
from django.utils import timezone

from countyhub.catalog.models import Household
from countyhub.core.money import quantize_cny
from countyhub.core.months import add_months, month_start
from countyhub.shop.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    StationDay,
    StationHandover,
)
from countyhub.stations.models import Station

TO_FULFIL = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PACKED)
# An order is a sale unless it was cancelled, refunded or returned (not collected at the
# station); the KPIs, payouts and training outcomes all count sales this way, and count each
# sale's money net of what was refunded of it (a refund of some lines leaves the order a sale):
# NET_TOTAL and NET_LINE_TOTAL. A sale is of goods: the shipping fee is the courier's money, not
# the seller's (a whole refund, which gives the fee back too, makes the order REFUNDED).
NOT_SALES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED, OrderStatus.RETURNED)


def _in_yuan(amount: Any, rate: str) -> ExpressionWrapper:
    """`amount` of an order in yuan: times the rate frozen on the order at placement (1 for a
    yuan order), rounded to the fen per order or line as customs.currencies.to_cny does."""
    return ExpressionWrapper(
        Round(amount * F(rate), 2), output_field=DecimalField(max_digits=16, decimal_places=2)
    )


# In yuan; null for an order in another currency whose day had no rate (`sales` leaves those
# out: `sales_in_other_currencies` shows them in their own currency).
NET_TOTAL = _in_yuan(F("total") - F("shipping_fee") - F("refunded_total"), "fx_rate")
NET_LINE_TOTAL = _in_yuan(F("line_total") - F("refunded_amount"), "order__fx_rate")
NET_LINE_IN_ORDER_CURRENCY = ExpressionWrapper(
    F("line_total") - F("refunded_amount"),
    output_field=DecimalField(max_digits=16, decimal_places=2),
)
# Before these, the goods are still on the shelf (allocated); from SHIPPED on they have left
# (a returned parcel's goods are back on the shelf).
GOODS_LEFT = (
    OrderStatus.SHIPPED,
    OrderStatus.AT_STATION,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


def sales(*, county: Any = None) -> QuerySet[Order]:
    """Orders that count as sales in yuan (of `county`, if given): a foreign-currency order
    only with the rate frozen on it (see `sales_without_rate`)."""
    orders = Order.objects.exclude(status__in=NOT_SALES).filter(fx_rate__isnull=False)
    return orders if county is None else orders.filter(county=county)


def sales_without_rate(*, county: Any = None) -> QuerySet[Order]:
    """Sales in another currency whose day had no exchange rate: they cannot be counted in yuan
    and are shown in their own currency."""
    orders = Order.objects.exclude(status__in=NOT_SALES).filter(fx_rate__isnull=True)
    return orders if county is None else orders.filter(county=county)


def orders_of_buyer(*, buyer: Any) -> QuerySet[Order]:
    return Order.objects.filter(buyer=buyer).select_related("seller", "county", "station__village")


def orders_awaiting_shipment(*, seller_ids: list[int]) -> QuerySet[Order]:
    return (
        Order.objects.filter(seller_id__in=seller_ids, status__in=TO_FULFIL)
        .select_related("station__village", "buyer", "payment", "county")
        .prefetch_related("lines")
        .order_by("placed_at")
    )


def seller_orders(
    *,
    seller_ids: list[int],
    q: str = "",
    status: str = "",
    placed_from: datetime.date | None = None,
    placed_to: datetime.date | None = None,
    station_id: int | None = None,
) -> QuerySet[Order]:
    """The sellers' orders of every status, newest first, narrowed by a search and filters.

    The seller comes first so that the (seller, placed_at) and (seller, status) indexes bound
    the rows; the text search then only scans that seller's orders. An order number is matched
    by its start, case-sensitively on the upper-cased text, which PostgreSQL answers from the
    `varchar_pattern_ops` index Django adds for the unique number; names, phones and product
    names by substring.
    """
    orders = Order.objects.filter(seller_id__in=seller_ids)
    if status:
        orders = orders.filter(status=status)
    if placed_from:
        orders = orders.filter(placed_at__gte=_local_midnight(placed_from))
    if placed_to:
        orders = orders.filter(placed_at__lt=_local_midnight(placed_to + datetime.timedelta(1)))
    if station_id:
        orders = orders.filter(station_id=station_id)
    q = q.strip()
    if q:
        with_product = OrderLine.objects.filter(order=OuterRef("pk"), product_name__icontains=q)
        orders = orders.filter(
            Q(number__startswith=q.upper())
            | Q(recipient_name__icontains=q)
            | Q(placed_for_name__icontains=q)
            | Q(buyer__username__icontains=q)
            | Q(phone__contains=q)
            | Q(placed_for_phone__contains=q)
            | Exists(with_product)
        )
    return (
        orders.select_related("station__village", "buyer", "payment")
        .prefetch_related("lines")
        .order_by("-placed_at", "-pk")
    )


def _local_midnight(day: datetime.date) -> datetime.datetime:
    """The start of `day` in the county's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def last_months(*, count: int = 12, today: datetime.date | None = None) -> list[datetime.date]:
    """The first days of the last `count` calendar months, this one included, oldest first."""
    this_month = month_start(today or timezone.localdate())
    return [add_months(this_month, offset) for offset in range(1 - count, 1)]


def monthly_sales(
    *, seller_ids: list[int], months: list[datetime.date]
) -> list[tuple[str, Decimal]]:
    """Sales per calendar month (county time), one entry per month asked for, zero if none."""
    rows = (
        sales()
        .filter(
            seller_id__in=seller_ids,
            placed_at__gte=_local_midnight(months[0]),
            placed_at__lt=_local_midnight(add_months(months[-1], 1)),
        )
        .annotate(month=TruncMonth("placed_at"))
        .values("month")
        .annotate(net=Sum(NET_TOTAL))
    )
    # SQLite hands back a sum of differences unquantized: to the fen, as every figure of money.
    totals = {timezone.localtime(row["month"]).date(): quantize_cny(row["net"]) for row in rows}
    return [(f"{month:%Y-%m}", totals.get(month, Decimal("0.00"))) for month in months]


def product_month_sales(
    *, seller_ids: list[int], months: list[datetime.date]
) -> list[tuple[str, dict[str, Decimal]]]:
    """Sales per product name and calendar month (county time), best-selling product first:
    [(product name, {"2026-01": value, ...})]. Cancelled and refunded orders are not sales."""
    rows = (
        OrderLine.objects.filter(
            order__seller_id__in=seller_ids,
            order__placed_at__gte=_local_midnight(months[0]),
            order__placed_at__lt=_local_midnight(add_months(months[-1], 1)),
        )
        .exclude(order__status__in=NOT_SALES)
        .filter(order__fx_rate__isnull=False)
        .annotate(month=TruncMonth("order__placed_at"))
        .values("product_id", "product_name", "month")
        .annotate(value=Sum(NET_LINE_TOTAL))
    )
    by_product: dict[int, tuple[str, dict[str, Decimal]]] = {}
    for row in rows:
        _name, values = by_product.setdefault(row["product_id"], (row["product_name"], {}))
        label = f"{timezone.localtime(row['month']):%Y-%m}"
        values[label] = values.get(label, Decimal("0.00")) + quantize_cny(row["value"])
    return sorted(by_product.values(), key=lambda item: (-sum(item[1].values()), item[0]))


def orders_at_stations(*, station_ids: list[int]) -> QuerySet[Order]:
    """Parcels on their way to, or waiting at, these village service stations."""
    return (
        Order.objects.filter(
            station_id__in=station_ids,
            status__in=(OrderStatus.PACKED, OrderStatus.SHIPPED, OrderStatus.AT_STATION),
        )
        .select_related("station__village", "seller", "payment", "shipment", "county")
        .order_by("status", "placed_at")
    )


def orders_for_villagers(*, station_ids: list[int]) -> QuerySet[Order]:
    """The orders operators placed for villagers at these stations, newest first."""
    return (
        Order.objects.filter(station_id__in=station_ids)
        .exclude(placed_for_name="")
        .select_related("station__village", "seller", "payment", "placed_for_household", "county")
        .order_by("-placed_at", "-pk")
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
    households = Household.objects.filter(match, village_id=station.village_id, active=True)
    return list(_identifying(households)[:limit])


def household_in(*, station: Station, household_id: object) -> Household | None:
    """The chosen household, if the posted ID is one of the station's village's."""
    if not str(household_id or "").isdigit():
        return None
    chosen = Household.objects.filter(
        village_id=station.village_id, active=True, pk=int(str(household_id))
    )
    return _identifying(chosen).first()


def _identifying(households: QuerySet[Household]) -> QuerySet[Household]:
    return (
        households.select_related("village")
        .only("pk", "head_name", "county_id", "village__name")
        .order_by("head_name", "pk")
    )


@dataclass(frozen=True)
class StationDayFigures:
    """What a station did on a day (in the county's time zone), as its close records it."""

    station: Station
    day: datetime.date
    received: list[OrderEvent]
    handed_over: list[StationHandover]
    returned: list[OrderEvent]

    @property
    def cash_due(self) -> Decimal:
        return sum((h.cash_due for h in self.handed_over), Decimal("0.00"))

    @property
    def cash_collected(self) -> Decimal:
        return sum((h.cash_collected for h in self.handed_over), Decimal("0.00"))

    def cash_by_seller(self) -> list[tuple[str, Decimal]]:
        """The cash taken for each seller: what the station hands over to the county's service
        center, which pays the sellers."""
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for handover in self.handed_over:
            totals[handover.order.seller.name] += handover.cash_collected
        return sorted(totals.items())


def _local_day(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
    )
    return start, end


def station_day_figures(*, station: Station, day: datetime.date) -> StationDayFigures:
    start, end = _local_day(day)

    def events(status: str) -> list[OrderEvent]:
        return list(
            OrderEvent.objects.filter(
                order__station=station, to_status=status, created_at__gte=start, created_at__lt=end
            )
            .select_related("order__seller")
            .order_by("created_at", "pk")
        )

    return StationDayFigures(
        station=station,
        day=day,
        received=events(OrderStatus.AT_STATION),
        handed_over=list(
            StationHandover.objects.filter(
                station=station, handed_over_at__gte=start, handed_over_at__lt=end
            )
            .select_related("order__seller", "handed_over_by")
            .order_by("handed_over_at", "pk")
        ),
        returned=events(OrderStatus.RETURNED),
    )


def station_days(*, station: Station, limit: int = 30) -> list[StationDay]:
    """The station's closed days, the latest record of each day first."""
    return list(
        StationDay.objects.filter(station=station)
        .select_related("closed_by", "corrects")
        .order_by("-day", "-pk")[:limit]
    )
