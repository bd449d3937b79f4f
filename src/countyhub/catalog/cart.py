"""The storefront cart lives in the session, one per county, as {product id: quantity string};
checkout (shop) turns it into orders.

The session is input like any other: every quantity is checked against its product's unit and
available stock when it goes in, and again when the cart is read, because a stored cart outlives
prices, stock and the rules of the day. A line that no longer holds is repaired (capped to the
stock or removed) with a message that names the product, never an error page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product
from countyhub.catalog.validators import parse_quantity
from countyhub.core.models import County
from countyhub.core.money import quantize_cny
from countyhub.core.numbers import plain_number


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: Decimal

    @property
    def line_total(self) -> Decimal:
        return quantize_cny(self.product.price * self.quantity)


@dataclass
class CartContents:
    lines: list[CartLine]
    repairs: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines), Decimal("0.00"))


def _parse_for(product: Product, raw: object, *, decimal_allowed: bool) -> Decimal:
    try:
        return parse_quantity(raw, decimal_allowed=decimal_allowed)
    except ValidationError as error:
        raise ValidationError(f"{product.name}: {error.messages[0]}", code=error.code) from error


def check_cart_quantity(product: Product, raw: object) -> Decimal:
    """The quantity of `product` a buyer may hold in the cart, or a ValidationError naming it."""
    quantity = _parse_for(product, raw, decimal_allowed=product.decimal_quantity)
    available = _available(product)
    if quantity > available:
        raise ValidationError(
            _("%(product)s: only %(available)s left.")
            % {"product": product.name, "available": plain_number(available)},
            code="quantity_stock",
        )
    return quantity


def _available(product: Product) -> Decimal:
    stock = getattr(product, "stock", None)
    return stock.available if stock is not None else Decimal(0)


class SessionCart:
    def __init__(self, request: HttpRequest, county: County) -> None:
        self.session = request.session
        self.key = f"cart-{county.pk}"
        self.county = county

    def _items(self) -> dict[str, str]:
        stored = self.session.get(self.key, {})
        return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

    def _save(self, items: dict[str, str]) -> None:
        self.session[self.key] = items

    def quantity_of(self, product_id: int) -> Decimal:
        try:
            quantity = Decimal(self._items().get(str(product_id), "0"))
        except ArithmeticError:
            return Decimal(0)
        return quantity if quantity.is_finite() and quantity > 0 else Decimal(0)

    def add(self, product: Product, raw: object) -> None:
        """Add a typed quantity to what the cart holds; the sum must still be a quantity the
        buyer may hold. A refusal (a ValidationError naming the product) changes nothing."""
        quantity = _parse_for(product, raw, decimal_allowed=True)
        self.set(product, self.quantity_of(product.pk) + quantity)

    def set(self, product: Product, raw: object) -> None:
        """Hold a typed quantity of `product` (empty or 0 removes it); a refusal (a
        ValidationError naming the product) leaves the cart as it was."""
        items = self._items()
        if str(raw).strip() in ("", "0"):
            items.pop(str(product.pk), None)
        else:
            items[str(product.pk)] = str(check_cart_quantity(product, raw))
        self._save(items)

    def clear(self) -> None:
        self.session.pop(self.key, None)

    def count(self) -> int:
        return len(self._items())

    def contents(self) -> CartContents:
        """The cart's lines, with any stored line that no longer holds repaired and said so."""
        items = self._items()
        ids = [int(pk) for pk in items if pk.isdigit()]
        products = {
            p.pk: p
            for p in Product.objects.filter(county=self.county, active=True, pk__in=ids)
            .select_related("seller", "stock")
            .order_by("seller", "pk")
        }
        contents = CartContents(lines=[])
        kept: dict[str, str] = {}
        for product in products.values():
            raw = items[str(product.pk)]
            try:
                quantity = check_cart_quantity(product, raw)
            except ValidationError as error:
                quantity = self._repaired(product, raw)
                contents.repairs.append(error.messages[0])
            if quantity > 0:
                kept[str(product.pk)] = str(quantity)
                contents.lines.append(CartLine(product, quantity))
        if kept != items:
            self._save(kept)
        return contents

    @staticmethod
    def _repaired(product: Product, raw: str) -> Decimal:
        """What is left of a stored quantity that no longer holds: the stock, if the buyer asked
        for more of a valid quantity than is left, else nothing."""
        try:
            parse_quantity(raw, decimal_allowed=product.decimal_quantity)
        except ValidationError:
            return Decimal(0)
        available = _available(product)
        if not product.decimal_quantity:
            available = available.to_integral_value(rounding="ROUND_FLOOR")
        return max(available, Decimal(0))

    def lines(self) -> list[CartLine]:
        return self.contents().lines

    def total(self) -> Decimal:
        return self.contents().total
