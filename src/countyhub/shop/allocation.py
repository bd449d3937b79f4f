"""Stock allocation, the Saleor way: lock stock rows in primary-key order, then update them.

Locking in one global order means two checkouts that share products never wait on each other in a
cycle (no deadlock). New values are computed in Python from the locked rows rather than with F():
SQLite evaluates `allocated - 1.000` in floating point (1.001 - 0.001 - 1.0 < 0), while Decimal
arithmetic on a row nobody else can change is exact everywhere. The CHECK constraints on Stock are
the last line of defence.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import NoReturn

from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Stock
from countyhub.core import metrics
from countyhub.shop.errors import InsufficientStockError, Shortage


def lock_stocks(product_ids: list[int]) -> dict[int, Stock]:
    stocks = Stock.objects.select_for_update().filter(product_id__in=product_ids).order_by("pk")
    return {stock.product_id: stock for stock in stocks}


def _change(quantities: Mapping[int, Decimal], *, quantity_sign: int, allocated_sign: int) -> None:
    stocks = lock_stocks(list(quantities))
    for product_id, amount in quantities.items():
        stock = stocks[product_id]
        Stock.objects.filter(pk=stock.pk).update(
            quantity=stock.quantity + quantity_sign * amount,
            allocated=stock.allocated + allocated_sign * amount,
        )


def shortages(stocks: Mapping[int, Stock], quantities: Mapping[Product, Decimal]) -> list[Shortage]:
    """What `quantities` asks beyond the available stock of the locked rows `stocks`."""
    found = []
    for product, requested in quantities.items():
        stock = stocks.get(product.pk)
        available = stock.available if stock else Decimal(0)
        if requested > available:
            found.append(Shortage(product.pk, product.name, requested, max(available, 0)))
    return found


def refuse(found: list[Shortage]) -> NoReturn:
    metrics.STOCK_CONFLICTS.inc()
    raise InsufficientStockError(_("Not enough stock."), shortages=found)


def allocate_stock(*, quantities: Mapping[Product, Decimal]) -> None:
    """Promise `quantities` to an order; all or nothing. Call inside the order's transaction."""
    stocks = lock_stocks([product.pk for product in quantities])
    found = shortages(stocks, quantities)
    if found:
        refuse(found)
    for product, requested in quantities.items():
        stock = stocks[product.pk]
        Stock.objects.filter(pk=stock.pk).update(allocated=stock.allocated + requested)


def allocate_locked(*, stocks: Mapping[int, Stock], quantities: Mapping[int, Decimal]) -> None:
    """Add `quantities` (by product id) to the allocation of rows the caller locked with
    lock_stocks and checked with `shortages`, in one statement: a bulk import allocates all
    its orders this way, once, after writing them under the lock. The CHECK constraints stay
    the last line of defence."""
    changed = []
    for product_id, amount in quantities.items():
        stock = stocks[product_id]
        stock.allocated += amount
        changed.append(stock)
    Stock.objects.bulk_update(changed, ["allocated"])


def release_allocation(*, quantities: Mapping[int, Decimal]) -> None:
    """An order is cancelled before shipping: its allocation returns to available stock."""
    _change(quantities, quantity_sign=0, allocated_sign=-1)


def fulfil_allocation(*, quantities: Mapping[int, Decimal]) -> None:
    """The parcel left: the goods leave stock and the allocation is used up."""
    _change(quantities, quantity_sign=-1, allocated_sign=-1)


def restock(*, quantities: Mapping[int, Decimal]) -> None:
    """Returned goods after a refund go back on the shelf."""
    _change(quantities, quantity_sign=1, allocated_sign=0)
