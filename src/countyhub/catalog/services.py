"""Use cases that change the catalog: create a product with its stock, change price/stock/active."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Stock
from countyhub.core.audit import record_audit


@transaction.atomic
def create_product(*, actor: Any, stock_quantity: Decimal = Decimal(0), **fields: Any) -> Product:
    product = Product(**fields)
    product.full_clean()
    product.save()
    Stock.objects.create(product=product, quantity=stock_quantity)
    record_audit(
        actor=actor,
        action="product.created",
        target=product,
        county=product.county,
        changes={"price": product.price, "stock": stock_quantity},
    )
    return product


@transaction.atomic
def update_product(
    *,
    product: Product,
    actor: Any,
    price: Decimal | None = None,
    stock_quantity: Decimal | None = None,
    active: bool | None = None,
) -> Product:
    """Change what sellers change most: price, stock on hand, whether it is on sale."""
    changes: dict[str, Any] = {}
    if price is not None and price != product.price:
        if price <= 0:
            raise ValidationError({"price": _("The price must be more than zero.")})
        changes["price"] = [product.price, price]
        product.price = price
    if active is not None and active != product.active:
        changes["active"] = [product.active, active]
        product.active = active
    if changes:
        product.save(update_fields=["price", "active", "updated_at"])
    if stock_quantity is not None:
        stock, _created = Stock.objects.select_for_update().get_or_create(product=product)
        if stock_quantity < stock.allocated:
            raise ValidationError(
                {
                    "stock": _("Stock cannot be less than the %(allocated)s promised to orders.")
                    % {"allocated": stock.allocated.normalize()}
                }
            )
        if stock_quantity != stock.quantity:
            changes["stock"] = [stock.quantity, stock_quantity]
            stock.quantity = stock_quantity
            stock.save(update_fields=["quantity", "updated_at"])
    if changes:
        record_audit(
            actor=actor,
            action="product.updated",
            target=product,
            county=product.county,
            changes=changes,
        )
    return product
