"""What each channel may sell now, and the orders imported from it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from countyhub.catalog.models import Product
from countyhub.channels.models import Channel, ChannelOrder, Listing, ListingStatus

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


def channel_orders(*, channel: Channel, products: QuerySet[Product]) -> QuerySet[ChannelOrder]:
    """Orders imported from `channel` for the sellers of `products` (a seller's own only)."""
    return (
        ChannelOrder.objects.filter(channel=channel, order__seller__in=products.values("seller_id"))
        .select_related("order")
        .order_by("-imported_at", "-pk")
    )
