"""Stock allocation, the Saleor way: lock stock rows in primary-key order, then update with F().

Locking in one global order means two checkouts that share products never wait on each other in a
cycle (no deadlock); the CHECK constraints on Stock are the last line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Stock
from countyhub.shop.errors import InsufficientStockError, Shortage


def lock_stocks(product_ids: list[int]) -> dict[int, Stock]:
    stocks = Stock.objects.select_for_update().filter(product_id__in=product_ids).order_by("pk")
    return {stock.product_id: stock for stock in stocks}


def allocate_stock(*, quantities: Mapping[Product, Decimal]) -> None:
    """Promise `quantities` to an order; all or nothing. Call inside the order's transaction."""
    stocks = lock_stocks([product.pk for product in quantities])
    shortages = []
    for product, requested in quantities.items():
        stock = stocks.get(product.pk)
        available = stock.available if stock else Decimal(0)
        if requested > available:
            shortages.append(Shortage(product.pk, product.name, requested, max(available, 0)))
    if shortages:
        raise InsufficientStockError(_("Not enough stock."), shortages=shortages)
    for product, requested in quantities.items():
        Stock.objects.filter(pk=stocks[product.pk].pk).update(allocated=F("allocated") + requested)


def release_allocation(*, quantities: Mapping[int, Decimal]) -> None:
    """An order is cancelled before shipping: its allocation returns to available stock."""
    stocks = lock_stocks(list(quantities))
    for product_id, quantity in quantities.items():
        Stock.objects.filter(pk=stocks[product_id].pk).update(allocated=F("allocated") - quantity)


def fulfil_allocation(*, quantities: Mapping[int, Decimal]) -> None:
    """The parcel left: the goods leave stock and the allocation is used up."""
    stocks = lock_stocks(list(quantities))
    for product_id, quantity in quantities.items():
        Stock.objects.filter(pk=stocks[product_id].pk).update(
            quantity=F("quantity") - quantity, allocated=F("allocated") - quantity
        )


def restock(*, quantities: Mapping[int, Decimal]) -> None:
    """Returned goods after a refund go back on the shelf."""
    stocks = lock_stocks(list(quantities))
    for product_id, quantity in quantities.items():
        Stock.objects.filter(pk=stocks[product_id].pk).update(quantity=F("quantity") + quantity)
