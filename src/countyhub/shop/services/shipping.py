"""Shipping fees: quoting a cart per seller, and sellers keeping their own rates.

A seller's fee for an order is its rate for the delivery method and destination: for home
delivery the rate whose GB/T 2260 region code is the longest prefix of the delivery's region
(empty matches everywhere); for station delivery the seller's station rate, else the county's
station policy (`County.station_delivery_fee`, free by default). A seller who keeps no home
rate at all includes shipping in its prices (fee 0); one who keeps some but none for the
destination refuses, naming itself and the destination.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Seller
from countyhub.core.audit import delete_with_audit, save_with_audit
from countyhub.core.models import County
from countyhub.core.money import quantize_cny
from countyhub.shop.errors import ShopError, ShopErrorCode
from countyhub.shop.models import DeliveryMethod, ShippingRate
from countyhub.shop.regions import region_label

ZERO = Decimal("0.00")
KILOGRAM = Decimal("1")


@dataclass(frozen=True)
class ShippingQuote:
    """One seller's part of a cart and what shipping it costs."""

    seller: Seller
    goods_total: Decimal
    weight: Decimal
    fee: Decimal
    # Waived because the goods reach the rate's free-shipping amount.
    free_by_threshold: bool = False

    @property
    def total(self) -> Decimal:
        return self.goods_total + self.fee


def rate_fee(rate: ShippingRate, *, goods_total: Decimal, weight: Decimal) -> tuple[Decimal, bool]:
    """The fee of one parcel under `rate`, and whether the free-shipping amount waived it.

    Up to `first_weight` kg costs `first_fee`; each further kilogram, or part of one, costs
    `additional_fee`. Goods of exactly `free_above` ship free, as 满99包邮 means.
    """
    if rate.free_above is not None and goods_total >= rate.free_above:
        return ZERO, True
    beyond = max(weight - rate.first_weight, Decimal("0"))
    extra_kilograms = (beyond / KILOGRAM).to_integral_value(rounding=ROUND_CEILING)
    return quantize_cny(rate.first_fee + extra_kilograms * rate.additional_fee), False


def choose_rate(
    rates: Iterable[ShippingRate], *, method: str, region_code: str
) -> ShippingRate | None:
    """The seller's rate for this delivery: its station rate, or the home rate whose region is
    the longest prefix of `region_code` (an empty region matches any destination)."""
    candidates = [rate for rate in rates if rate.delivery_method == method]
    if method == DeliveryMethod.STATION:
        return candidates[0] if candidates else None
    matching = [rate for rate in candidates if region_code.startswith(rate.region_code)]
    return max(matching, key=lambda rate: len(rate.region_code), default=None)


def parcel_weight(lines: Mapping[Product, Decimal]) -> Decimal:
    return sum((product.unit_weight * quantity for product, quantity in lines.items()), ZERO)


def quote_seller(
    *,
    seller: Seller,
    rates: list[ShippingRate],
    lines: Mapping[Product, Decimal],
    method: str,
    region_code: str,
    station_fee: Decimal,
) -> ShippingQuote:
    """The fee of one seller's lines; pure: the rates and county policy are given."""
    goods_total = sum(
        (quantize_cny(product.price * quantity) for product, quantity in lines.items()), ZERO
    )
    weight = parcel_weight(lines)
    rate = choose_rate(rates, method=method, region_code=region_code)
    if rate is not None:
        fee, waived = rate_fee(rate, goods_total=goods_total, weight=weight)
        return ShippingQuote(seller, goods_total, weight, fee, waived)
    if method == DeliveryMethod.STATION:
        return ShippingQuote(seller, goods_total, weight, quantize_cny(station_fee))
    if any(rate.delivery_method == method for rate in rates):
        destination = region_label(region_code) if region_code else _("an address without region")
        raise ShopError(
            ShopErrorCode.NO_SHIPPING_RATE,
            _(
                "%(seller)s does not deliver to %(destination)s; choose another region or pick up "
                "at a village service station."
            )
            % {"seller": seller.name, "destination": destination},
            field="delivery.region_code",
        )
    # A seller without home rates includes shipping in its prices.
    return ShippingQuote(seller, goods_total, weight, ZERO)


def quote_shipping(
    *, county: County, lines: Mapping[Product, Decimal], method: str, region_code: str = ""
) -> list[ShippingQuote]:
    """One quote per seller of the lines, by seller id; one query for all their rates."""
    by_seller: dict[int, dict[Product, Decimal]] = defaultdict(dict)
    sellers: dict[int, Seller] = {}
    for product, quantity in lines.items():
        by_seller[product.seller_id][product] = quantity
        sellers[product.seller_id] = product.seller
    rates: dict[int, list[ShippingRate]] = defaultdict(list)
    for rate in ShippingRate.objects.filter(seller_id__in=list(by_seller)):
        rates[rate.seller_id].append(rate)
    return [
        quote_seller(
            seller=sellers[seller_id],
            rates=rates[seller_id],
            lines=by_seller[seller_id],
            method=method,
            region_code=region_code,
            station_fee=county.station_delivery_fee,
        )
        for seller_id in sorted(by_seller)
    ]


def _check_staff(actor: Any, seller: Seller) -> None:
    if not (
        getattr(actor, "is_authenticated", False) and seller.staff.filter(pk=actor.pk).exists()
    ):
        raise PermissionDenied(_("Only the seller's staff may change its shipping rates."))


def _validate(rate: ShippingRate) -> None:
    if rate.delivery_method == DeliveryMethod.STATION and rate.region_code:
        raise ShopError(
            ShopErrorCode.INVALID_SHIPPING_RATE,
            _("A station rate covers the county's stations; leave the region empty."),
            field="region_code",
        )
    clash = ShippingRate.objects.filter(
        seller_id=rate.seller_id,
        delivery_method=rate.delivery_method,
        region_code=rate.region_code,
    ).exclude(pk=rate.pk)
    if clash.exists():
        raise ShopError(
            ShopErrorCode.INVALID_SHIPPING_RATE,
            _("This seller already has a rate for this delivery and region."),
            field="region_code",
        )
    try:
        rate.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ShopError(ShopErrorCode.INVALID_SHIPPING_RATE, messages[0], field=field) from error


def check_shipping_rate(rate: ShippingRate) -> None:
    """Refuse a rate the service would refuse, for a form to show on the field."""
    rate.county_id = rate.seller.county_id
    _validate(rate)


@transaction.atomic
def save_shipping_rate(*, actor: Any, rate: ShippingRate, check_actor: bool = True) -> ShippingRate:
    """Create or change one of a seller's rates; its staff only (the admin passes
    `check_actor=False`, having scoped the seller to the admin's county)."""
    if check_actor:
        _check_staff(actor, rate.seller)
    check_shipping_rate(rate)
    return save_with_audit(actor=actor, instance=rate, county=rate.seller.county)


@transaction.atomic
def delete_shipping_rate(*, actor: Any, rate: ShippingRate, check_actor: bool = True) -> None:
    if check_actor:
        _check_staff(actor, rate.seller)
    delete_with_audit(actor=actor, instance=rate, county=rate.seller.county)
