"""What each channel may sell now, and the orders imported from it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.db.models.functions import TruncMonth

from countyhub.catalog.models import Product, Seller, SellerHousehold
from countyhub.channels import hooks
from countyhub.channels.models import (
    Channel,
    ChannelKind,
    ChannelOrder,
    Listing,
    ListingStatus,
    StockSync,
)
from countyhub.core.models import County
from countyhub.core.money import CNY
from countyhub.core.numbers import plain_number
from countyhub.shop.models import Order, OrderLine
from countyhub.shop.selectors import (
    NET_LINE_IN_ORDER_CURRENCY,
    NET_LINE_TOTAL,
    sales,
    sales_without_rate,
)

# Only a listing that is (or is about to be) on sale offers stock to its channel.
SELLING = (ListingStatus.READY, ListingStatus.LISTED)


def sellable(available: Decimal, buffer: Decimal) -> Decimal:
    """What a channel may sell now: the available stock less the units held back, never < 0."""
    return max(available - buffer, Decimal(0))


@dataclass(frozen=True)
class ChannelStock:
    product_id: int
    product_name: str
    available: Decimal
    buffer: Decimal
    sellable: Decimal


def channel_stock(*, channel: Channel, products: QuerySet[Product]) -> list[ChannelStock]:
    """Per listing of `products` on `channel`: the stock it may sell now. Paused, draft and
    rejected listings sell nothing."""
    listings = (
        Listing.objects.filter(channel=channel, product__in=products)
        .select_related("product__stock")
        .order_by("product_id")
    )
    items = []
    for listing in listings:
        stock = getattr(listing.product, "stock", None)
        available = stock.available if stock else Decimal(0)
        items.append(
            ChannelStock(
                product_id=listing.product_id,
                product_name=listing.product.name,
                available=available,
                buffer=listing.stock_buffer,
                sellable=(
                    sellable(available, listing.stock_buffer)
                    if listing.status in SELLING
                    else Decimal(0)
                ),
            )
        )
    return items


@dataclass(frozen=True)
class StockChange:
    product_id: int
    product_name: str
    before: str | None  # None: not in the last sync
    now: str


@dataclass(frozen=True)
class StockSinceLastSync:
    listings: list[Listing]  # the seller's on the channel, by product id, with their products
    quantities: dict[str, str]  # product id -> what the channel may sell now (plain number)
    last: StockSync | None
    changes: list[StockChange]


def stock_since_last_sync(*, channel: Channel, seller: Seller, via: str) -> StockSinceLastSync:
    """What `seller` may sell on `channel` now, and what changed since the last sync handed
    over `via` (a file or a push; everything when there was none). The stock file and the
    stock push both hand over these quantities."""
    items = channel_stock(channel=channel, products=Product.objects.filter(seller=seller))
    listings = {
        listing.product_id: listing
        for listing in Listing.objects.filter(
            channel=channel, product_id__in=[item.product_id for item in items]
        ).select_related("product")
    }
    last = StockSync.objects.filter(channel=channel, seller=seller, via=via).first()
    before = last.quantities if last else {}
    quantities = {str(item.product_id): plain_number(item.sellable) for item in items}
    return StockSinceLastSync(
        listings=[listings[item.product_id] for item in items],
        quantities=quantities,
        last=last,
        changes=[
            StockChange(item.product_id, item.product_name, before.get(key), quantities[key])
            for item in items
            if before.get(key := str(item.product_id)) != quantities[key]
        ],
    )


@dataclass(frozen=True)
class ListingGaps:
    product_id: int
    product_name: str
    gaps: list[str]


def listing_gaps(
    *, channel: Channel, products: QuerySet[Product], day: datetime.date
) -> list[ListingGaps]:
    """The products of `products` that may not yet be offered on `channel`, each with what it
    lacks (the checks registered in countyhub.channels.hooks)."""
    rows = []
    for product in products.filter(active=True).order_by("name", "pk"):
        gaps = hooks.listing_gaps(channel, product, day)
        if gaps:
            rows.append(ListingGaps(product.pk, product.name, gaps))
    return rows


def channel_orders(*, channel: Channel, products: QuerySet[Product]) -> QuerySet[ChannelOrder]:
    """Orders imported from `channel` for the sellers of `products` (a seller's own only)."""
    return (
        ChannelOrder.objects.filter(channel=channel, order__seller__in=products.values("seller_id"))
        .select_related("order")
        .order_by("-imported_at", "-pk")
    )


@dataclass(frozen=True)
class ChannelSales:
    channel: str  # the channel's code; the own storefront's orders have no channel
    month: str  # YYYY-MM in the county's time
    product_id: int
    product_name: str
    sales: Decimal  # net of refunds, goods only, in `currency`
    poor_linked: Decimal  # of which sold by sellers linked to registered-poor households
    # CNY: yuan orders and foreign-currency ones at the rate frozen on each at placement; another
    # code: orders in that currency whose day had no rate, which never add up with yuan.
    currency: str = CNY


STOREFRONT = "storefront"


def sales_by_channel(*, county: County, products: QuerySet[Product]) -> list[ChannelSales]:
    """Sales in yuan by channel, month and product, and how much of them came from sellers who
    work with registered-poor households (the share the county reports). Orders without a
    channel are the own storefront's; a foreign-currency order counts at its frozen rate."""
    return _channel_sales(county, products, sales(county=county), in_yuan=True)


def sales_in_other_currencies(*, county: County, products: QuerySet[Product]) -> list[ChannelSales]:
    """The sales that `sales_by_channel` cannot count in yuan (a foreign-currency order whose
    day had no rate), by channel, month, product and currency, in that currency."""
    return _channel_sales(county, products, sales_without_rate(county=county), in_yuan=False)


def _channel_sales(
    county: County, products: QuerySet[Product], orders: QuerySet[Order], *, in_yuan: bool
) -> list[ChannelSales]:
    poor_sellers = set(
        SellerHousehold.objects.filter(
            household__registered_poor=True, seller__county=county
        ).values_list("seller_id", flat=True)
    )
    lines = (
        OrderLine.objects.filter(order__in=orders, product__in=products)
        .annotate(
            month=TruncMonth("order__placed_at", tzinfo=county.zone),
            net=NET_LINE_TOTAL if in_yuan else NET_LINE_IN_ORDER_CURRENCY,
        )
        .values_list(
            "order__channel_order__channel__code",
            "month",
            "product_id",
            "product_name",
            "order__seller_id",
            "order__currency",
            "net",
        )
    )
    totals: dict[tuple[str, str, int, str], list[Any]] = {}
    for code, month, product_id, name, seller_id, currency, net in lines:
        key = (code or STOREFRONT, f"{month:%Y-%m}", product_id, CNY if in_yuan else currency)
        row = totals.setdefault(key, [name, Decimal(0), Decimal(0)])
        row[1] += net
        if seller_id in poor_sellers:
            row[2] += net
    return [
        ChannelSales(code, month, product_id, name, total, poor, currency)
        for (code, month, product_id, currency), (name, total, poor) in sorted(totals.items())
    ]


def outside_storefront_share(rows: list[ChannelSales]) -> Decimal | None:
    """KPI: the share of sales made outside the own storefront (None without sales)."""
    total = sum((row.sales for row in rows), Decimal(0))
    if not total:
        return None
    outside = sum((row.sales for row in rows if row.channel != STOREFRONT), Decimal(0))
    return outside / total


def outside_storefront(orders: QuerySet[Order]) -> QuerySet[Order]:
    """The orders of `orders` that came in through a channel other than the own storefront."""
    return orders.filter(channel_order__isnull=False).exclude(
        channel_order__channel__kind=ChannelKind.STOREFRONT
    )


@dataclass(frozen=True)
class ChannelTotal:
    channel: str  # the channel's code, or STOREFRONT
    month: str  # YYYY-MM; "" for the channel's total over the months shown
    sales: Decimal
    poor_linked: Decimal

    @property
    def poor_share(self) -> Decimal | None:
        return self.poor_linked / self.sales if self.sales else None


@dataclass
class SellerChannelSales:
    counties: list[County]
    channels: list[ChannelTotal]  # one per channel, largest first
    months: list[ChannelTotal]  # per month and channel, newest month first


def seller_channel_sales(*, sellers: list[Any], months: list[str]) -> SellerChannelSales:
    """The sellers' sales by channel in `months` (YYYY-MM), with the share sold by sellers
    linked to registered-poor households, per channel and per month and channel."""
    shown = set(months)
    counties = {seller.county_id: seller.county for seller in sellers}
    per_month: dict[tuple[str, str], list[Decimal]] = {}
    for county in counties.values():
        products = Product.objects.filter(county=county, seller__in=sellers)
        for row in sales_by_channel(county=county, products=products):
            if row.month not in shown:
                continue
            totals = per_month.setdefault((row.month, row.channel), [Decimal(0), Decimal(0)])
            totals[0] += row.sales
            totals[1] += row.poor_linked
    per_channel: dict[str, list[Decimal]] = {}
    for (_month, code), (total, poor) in per_month.items():
        totals = per_channel.setdefault(code, [Decimal(0), Decimal(0)])
        totals[0] += total
        totals[1] += poor
    return SellerChannelSales(
        counties=sorted(counties.values(), key=lambda county: county.pk),
        channels=sorted(
            (ChannelTotal(code, "", total, poor) for code, (total, poor) in per_channel.items()),
            key=lambda row: (-row.sales, row.channel),
        ),
        months=sorted(
            (
                ChannelTotal(code, month, total, poor)
                for (month, code), (total, poor) in sorted(per_month.items())
            ),
            key=lambda row: row.month,
            reverse=True,  # stable: within a month, channels stay in code order
        ),
    )
