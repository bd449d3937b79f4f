"""Use cases that change the catalog: create a product with its stock, change price/stock/active,
register a farmer household, deactivate (and reactivate) a seller or a household."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.catalog.errors import CatalogError, CatalogErrorCode
from countyhub.catalog.models import Household, HouseholdMember, Product, Seller, Stock
from countyhub.core.audit import record_audit
from countyhub.core.numbers import plain_number
from countyhub.core.pagecache import bump_catalog_version
from countyhub.core.permissions import may_register_household


@transaction.atomic
def create_product(*, actor: Any, stock_quantity: Decimal = Decimal(0), **fields: Any) -> Product:
    product = Product(**fields)
    if product.active and _seller_inactive(product):
        _refuse_inactive_seller()
    product.full_clean()
    product.save()
    Stock.objects.create(product=product, quantity=stock_quantity)
    transaction.on_commit(bump_catalog_version)
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
            raise CatalogError(
                CatalogErrorCode.NOT_POSITIVE, _("The price must be more than zero."), field="price"
            )
        changes["price"] = [product.price, price]
        product.price = price
    if active is not None and active != product.active:
        if active and _seller_inactive(product):
            _refuse_inactive_seller()
        changes["active"] = [product.active, active]
        product.active = active
    if changes:
        product.save(update_fields=["price", "active", "updated_at"])
    if stock_quantity is not None:
        stock, _created = Stock.objects.select_for_update().get_or_create(product=product)
        if stock_quantity < stock.allocated:
            raise CatalogError(
                CatalogErrorCode.STOCK_BELOW_ALLOCATED,
                _("Stock cannot be less than the %(allocated)s promised to orders.")
                % {"allocated": plain_number(stock.allocated)},
                field="stock",
            )
        if stock_quantity != stock.quantity:
            changes["stock"] = [stock.quantity, stock_quantity]
            stock.quantity = stock_quantity
            stock.save(update_fields=["quantity", "updated_at"])
    if changes:
        transaction.on_commit(bump_catalog_version)
        record_audit(
            actor=actor,
            action="product.updated",
            target=product,
            county=product.county,
            changes=changes,
        )
    return product


def _seller_inactive(product: Product) -> bool:
    # Read from the database: a caller's product may carry a seller loaded before deactivation.
    return Seller.objects.filter(pk=product.seller_id, active=False).exists()


def _refuse_inactive_seller() -> None:
    raise CatalogError(
        CatalogErrorCode.SELLER_INACTIVE,
        _("The seller has been deactivated: its products cannot be put on sale."),
        field="active",
    )


@transaction.atomic
def register_household(
    *,
    actor: Any,
    village: Any,
    head_name: str,
    phone: str = "",
    registered_poor: bool = False,
    poverty_exit_year: int | None = None,
    head_birth_year: int | None = None,
    members: Sequence[tuple[str, str]] = (),
) -> Household:
    """A farmer household of `village`, registered at its service station (or by county
    staff), with its members (name, relation to head). The same head and phone in one village
    are one household: registering it again is refused."""
    if not may_register_household(actor, village):
        raise PermissionDenied(
            _("Only the village's station operator or county staff may do this.")
        )
    head_name, phone = head_name.strip(), phone.strip()
    duplicate = Household.objects.filter(village=village, head_name=head_name, phone=phone)
    if duplicate.exists():
        raise CatalogError(
            CatalogErrorCode.DUPLICATE_HOUSEHOLD,
            _("This household is already registered in this village."),
            field="head_name",
        )
    household = Household(
        county_id=village.county_id,
        village=village,
        head_name=head_name,
        phone=phone,
        registered_poor=registered_poor,
        poverty_exit_year=poverty_exit_year,
        head_birth_year=head_birth_year,
    )
    household.full_clean()
    household.save()
    for name, relation in members:
        member = HouseholdMember(household=household, name=name.strip(), relation=relation.strip())
        member.full_clean()
        member.save()
    record_audit(
        actor=actor,
        action="household.registered",
        target=household,
        county=household.county,
        changes={"village": village.pk, "registered_poor": registered_poor},
    )
    return household


@transaction.atomic
def set_seller_active(*, actor: Any, seller: Seller, active: bool, reason: str = "") -> Seller:
    """A seller that stops selling is deactivated, never deleted (its orders and payouts point to
    it): its products go off sale with it. Reactivating leaves them off sale; the seller puts
    back on sale what it still sells."""
    seller = Seller.objects.select_for_update().get(pk=seller.pk)
    if seller.active == active:
        return seller
    seller.active = active
    seller.save(update_fields=["active", "updated_at"])
    taken_off: list[int] = []
    if not active:
        for product in Product.objects.filter(seller=seller, active=True):
            update_product(product=product, actor=actor, active=False)
            taken_off.append(product.pk)
    record_audit(
        actor=actor,
        action="seller.activated" if active else "seller.deactivated",
        target=seller,
        county=seller.county,
        changes={"active": [not active, active], "reason": reason, "products_off_sale": taken_off},
    )
    return seller


@transaction.atomic
def set_household_active(
    *, actor: Any, household: Household, active: bool, reason: str = ""
) -> Household:
    """A household that leaves the register is deactivated, never deleted: payouts, seller links
    and survey answers keep pointing to it; it cannot be linked anew while inactive."""
    if not may_register_household(actor, household.village):
        raise PermissionDenied(
            _("Only the village's station operator or county staff may do this.")
        )
    household = Household.objects.select_for_update().get(pk=household.pk)
    if household.active == active:
        return household
    household.active = active
    household.save(update_fields=["active", "updated_at"])
    record_audit(
        actor=actor,
        action="household.activated" if active else "household.deactivated",
        target=household,
        county=household.county,
        changes={"active": [not active, active], "reason": reason},
    )
    return household
