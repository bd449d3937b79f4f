"""832 use cases and queries: who may supply, listings' review, the budget units' reserved shares
and their orders' lifecycle (each change one audited transaction), and the units' progress."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from countyhub.catalog.models import CertificationKind, Product, Seller, SellerHousehold
from countyhub.channels.gov832 import (
    BuyerUnit,
    DocumentKind,
    Gov832County,
    ProcurementOrder,
    ProcurementStatus,
    Reservation,
)
from countyhub.core.audit import record_audit
from countyhub.core.documents import check_document

PRIORITY_KINDS = (
    CertificationKind.GREEN_FOOD,
    CertificationKind.ORGANIC,
    CertificationKind.GEOGRAPHICAL_INDICATION,
)


@dataclass(frozen=True)
class Qualification:
    qualified: bool
    missing: list[str]


def qualification(seller: Seller, on: datetime.date) -> Qualification:
    """Whether `seller` may supply on 832 on day `on`, and what it lacks if not."""
    missing = []
    if not Gov832County.objects.filter(county_id=seller.county_id, is_832_county=True).exists():
        missing.append(_("the county is not flagged as an 832 county"))
    if not seller.gov832_recommendations.filter(recommended_on__lte=on).exists():
        missing.append(_("a county department's recommendation"))
    valid = set(
        seller.gov832_documents.filter(valid_from__lte=on, valid_until__gte=on).values_list(
            "kind", flat=True
        )
    )
    missing.extend(
        _("a valid %(document)s") % {"document": kind.label}
        for kind in DocumentKind
        if kind.value not in valid
    )
    return Qualification(not missing, missing)


def check_may_list(seller: Seller, on: datetime.date) -> None:
    """Refuse an 832 listing of a seller that is not qualified, naming what it lacks."""
    found = qualification(seller, on)
    if not found.qualified:
        raise ValidationError(
            _("%(seller)s may not list on the 832 platform: missing %(missing)s.")
            % {"seller": seller, "missing": "; ".join(found.missing)},
            code="not_qualified",
        )


def is_priority(product: Product, on: datetime.date) -> bool:
    """Green food, organic and geographical-indication products come first on 832."""
    return product.certifications.filter(
        kind__in=PRIORITY_KINDS, valid_from__lte=on, valid_until__gte=on
    ).exists()


@transaction.atomic
def file_reservation(
    *, actor: Any, unit: BuyerUnit, year: int, canteen_food_total: Decimal, percent: Decimal
) -> Reservation:
    """File (or correct) a unit's reserved share for `year`; refused below the regional floor."""
    reservation = Reservation.objects.filter(unit=unit, year=year).first() or Reservation(
        unit=unit, year=year
    )
    reservation.canteen_food_total = canteen_food_total
    reservation.percent = percent
    reservation.full_clean()
    reservation.save()
    record_audit(
        actor=actor,
        action="gov832.reservation_filed",
        target=reservation,
        county=unit.county,
        changes={"year": year, "canteen_food_total": canteen_food_total, "percent": percent},
    )
    return reservation


# Delivery steps: from each status, the next ones. A dispute may be raised at any step after
# shipping until the order is evaluated.
S = ProcurementStatus
NEXT: dict[str, set[str]] = {
    S.PLACED: {S.SHIPPED},
    S.SHIPPED: {S.RECEIVED, S.DISPUTED},
    S.RECEIVED: {S.ACCEPTED, S.DISPUTED},
    S.ACCEPTED: {S.INVOICED, S.DISPUTED},
    S.INVOICED: {S.PAID, S.DISPUTED},
    S.PAID: {S.EVALUATED, S.DISPUTED},
    S.EVALUATED: set(),
    S.DISPUTED: set(),
}


@transaction.atomic
def place_order(
    *,
    actor: Any,
    unit: BuyerUnit,
    seller: Seller,
    number: str,
    amount: Decimal,
    placed_on: datetime.date,
) -> ProcurementOrder:
    check_may_list(seller, placed_on)
    order = ProcurementOrder(
        unit=unit, seller=seller, number=number.strip(), amount=amount, placed_on=placed_on
    )
    order.full_clean()
    order.save()
    record_audit(
        actor=actor,
        action="gov832.order_placed",
        target=order,
        county=unit.county,
        changes={"number": order.number, "seller": seller.pk, "amount": amount},
    )
    return order


@transaction.atomic
def advance_order(
    *,
    actor: Any,
    order: ProcurementOrder,
    to: str,
    on: datetime.date,
    acceptance_record: UploadedFile | None = None,
    rating: int | None = None,
    dispute_reason: str = "",
) -> ProcurementOrder:
    """Move `order` one step. Accepting needs the uploaded acceptance record; evaluating a
    rating 1-5; a dispute its reason. An order paid first goes from invoiced straight to paid."""
    order = ProcurementOrder.objects.select_for_update().get(pk=order.pk)
    if to not in NEXT[order.status]:
        raise ValidationError(
            _("Order %(number)s cannot go from %(from)s to %(to)s.")
            % {
                "number": order.number,
                "from": ProcurementStatus(order.status).label,
                "to": ProcurementStatus(to).label,
            },
            code="not_allowed",
        )
    if to == S.ACCEPTED:
        if acceptance_record is None:
            raise ValidationError(_("Accepting needs the acceptance record."), code="required")
        check_document(acceptance_record)
        order.acceptance_record.save(acceptance_record.name or "", acceptance_record, save=False)
        order.accepted_on = on
    if to == S.PAID:
        order.paid_on = order.paid_on or on
    if to == S.EVALUATED:
        if rating is None or not 1 <= rating <= 5:
            raise ValidationError(_("The rating is a whole number from 1 to 5."), code="rating")
        order.rating = rating
    if to == S.DISPUTED:
        if not dispute_reason.strip():
            raise ValidationError(_("A dispute needs its reason."), code="required")
        order.dispute_reason = dispute_reason.strip()
    order.status = to
    if to == S.INVOICED and order.paid_on is not None:
        order.status = S.PAID  # paid before delivery: the invoice settles it
    order.full_clean()
    order.save()
    record_audit(
        actor=actor,
        action="gov832.order_advanced",
        target=order,
        county=order.unit.county,
        changes={"status": order.status, "on": on, "rating": rating},
    )
    return order


@transaction.atomic
def pay_first(*, actor: Any, order: ProcurementOrder, on: datetime.date) -> ProcurementOrder:
    """Record a payment before delivery (only while the order is placed)."""
    order = ProcurementOrder.objects.select_for_update().get(pk=order.pk)
    if order.status != S.PLACED or order.paid_on is not None:
        raise ValidationError(
            _("Order %(number)s can be paid first only once, while placed.")
            % {"number": order.number},
            code="not_allowed",
        )
    order.paid_on = on
    order.save(update_fields=["paid_on", "updated_at"])
    record_audit(
        actor=actor,
        action="gov832.order_paid_first",
        target=order,
        county=order.unit.county,
        changes={"paid_on": on},
    )
    return order


@dataclass(frozen=True)
class UnitProgress:
    unit: BuyerUnit
    reserved: Decimal | None  # None: no share filed for the year
    done: Decimal
    share: Decimal | None  # done / reserved


def progress(*, county_id: int, year: int, today: datetime.date) -> list[UnitProgress]:
    """Per unit of the county: purchases accepted and paid in `year` up to `today` against the
    reserved amount: accepted (the unit's acceptance record is in) and paid, in either order;
    a dispute raised after both does not undo the purchase."""
    rows = []
    for unit in BuyerUnit.objects.filter(county_id=county_id).order_by("name"):
        reservation = unit.reservations.filter(year=year).first()
        done = ProcurementOrder.objects.filter(
            unit=unit,
            accepted_on__isnull=False,
            paid_on__year=year,
            paid_on__lte=today,
        )
        total = done.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        reserved = reservation.amount if reservation else None
        rows.append(UnitProgress(unit, reserved, total, total / reserved if reserved else None))
    return rows


@dataclass(frozen=True)
class SupplierSales:
    seller: Seller
    gov832: Decimal  # accepted and paid 832 purchases of the year
    other: Decimal  # net sales of the year through every other channel
    poor_linked: bool  # works with registered-poor households


def supplier_sales(
    *, county: Any, sellers: Any, year: int, other_sales: list[Any]
) -> list[SupplierSales]:
    """Per seller of `sellers`: its 832 sales of `year` against its other channels' (rows of
    `selectors.sales_by_channel`, of which the months of `year`)."""
    product_seller = dict(Product.objects.filter(county=county).values_list("pk", "seller_id"))
    other: dict[int, Decimal] = {}
    for row in other_sales:
        if row.month.startswith(f"{year}-"):
            seller_id = product_seller.get(row.product_id)
            if seller_id is not None:
                other[seller_id] = other.get(seller_id, Decimal(0)) + row.sales
    poor = set(
        SellerHousehold.objects.filter(household__registered_poor=True).values_list(
            "seller_id", flat=True
        )
    )
    done = dict(
        ProcurementOrder.objects.filter(
            seller__in=sellers, accepted_on__isnull=False, paid_on__year=year
        )
        .values_list("seller_id")
        .annotate(total=Sum("amount"))
    )
    return [
        SupplierSales(
            seller,
            done.get(seller.pk, Decimal(0)),
            other.get(seller.pk, Decimal(0)),
            seller.pk in poor,
        )
        for seller in sellers.order_by("name")
    ]


def poor_share(rows: list[SupplierSales]) -> Decimal | None:
    """The share of the county's 832 sales made by sellers linked to registered-poor households."""
    total = sum((row.gov832 for row in rows), Decimal(0))
    if not total:
        return None
    return sum((row.gov832 for row in rows if row.poor_linked), Decimal(0)) / total
