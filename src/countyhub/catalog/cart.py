"""The storefront cart lives in the session, one per county, as {product id: quantity string};
checkout (shop) turns it into orders."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpRequest

from countyhub.catalog.models import Product
from countyhub.core.models import County
from countyhub.core.money import quantize_cny


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: Decimal

    @property
    def line_total(self) -> Decimal:
        return quantize_cny(self.product.price * self.quantity)


class SessionCart:
    def __init__(self, request: HttpRequest, county: County) -> None:
        self.session = request.session
        self.key = f"cart-{county.pk}"
        self.county = county

    def _items(self) -> dict[str, str]:
        return dict(self.session.get(self.key, {}))

    def _save(self, items: dict[str, str]) -> None:
        self.session[self.key] = items

    def add(self, product: Product, quantity: Decimal) -> None:
        items = self._items()
        current = Decimal(items.get(str(product.pk), "0"))
        items[str(product.pk)] = str(current + quantity)
        self._save(items)

    def set(self, product_id: int, quantity: Decimal) -> None:
        items = self._items()
        if quantity > 0:
            items[str(product_id)] = str(quantity)
        else:
            items.pop(str(product_id), None)
        self._save(items)

    def clear(self) -> None:
        self.session.pop(self.key, None)

    def count(self) -> int:
        return len(self.session.get(self.key, {})) if hasattr(self, "session") else 0

    def lines(self) -> list[CartLine]:
        items = self._items()
        products = Product.objects.filter(
            county=self.county, active=True, pk__in=[int(pk) for pk in items]
        ).select_related("seller", "stock")
        return [CartLine(p, Decimal(items[str(p.pk)])) for p in products.order_by("seller", "pk")]

    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines()), Decimal("0.00"))
