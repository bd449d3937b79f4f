"""Placing orders: the cart or API lines become one order per seller, paid through a provider."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.catalog.models import Household, Product, Seller
from countyhub.catalog.validators import parse_quantity
from countyhub.core import metrics
from countyhub.core.audit import record_audit
from countyhub.core.local_time import local_date
from countyhub.core.metrics import count_after_commit
from countyhub.core.models import Membership, Role
from countyhub.core.money import format_money, quantize_cny
from countyhub.core.selectors import email_verified
from countyhub.shop import allocation
from countyhub.shop.errors import (
    IdempotencyConflictError,
    ShopError,
    ShopErrorCode,
)
from countyhub.shop.models import (
    BuyerKind,
    BuyerProfile,
    Checkout,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    validate_region_code,
)
from countyhub.shop.payments import provider_for
from countyhub.shop.services.shipping import ShippingQuote, quote_shipping
from countyhub.shop.services.station_desk import new_pickup_code
from countyhub.stations.models import Station

S = OrderStatus


@dataclass(frozen=True)
class LineRequest:
    product_id: int
    quantity: str | Decimal


@dataclass(frozen=True)
class DeliveryRequest:
    method: str
    station_id: int | None = None
    recipient_name: str = ""
    phone: str = ""
    address: str = ""
    # GB/T 2260 code (2, 4 or 6 digits) of a home delivery's address, for its shipping rate.
    region_code: str = ""


@dataclass(frozen=True)
class PlacedFor:
    """The villager a station operator orders for."""

    name: str
    phone: str
    household_id: int | None = None


@dataclass
class CheckoutResult:
    checkout: Checkout
    orders: list[Order] = field(default_factory=list)
    replayed: bool = False


def _quantity_text(quantity: object) -> str:
    """The quantity as the fingerprint has always spelled it; text that is no number stays as
    typed, for the line's own check to refuse by name."""
    try:
        return str(Decimal(str(quantity)))
    except ArithmeticError:
        return str(quantity)


def _fingerprint(
    lines: Sequence[LineRequest],
    delivery: DeliveryRequest | None,
    payment_method: str,
    placed_for: PlacedFor | None = None,
) -> str:
    delivery_payload = dict(delivery.__dict__) if delivery else None
    if delivery_payload is not None and not delivery_payload["region_code"]:
        # Without a region the request is the one it was before regions: the same fingerprint.
        del delivery_payload["region_code"]
    payload = {
        "lines": sorted((line.product_id, _quantity_text(line.quantity)) for line in lines),
        "delivery": delivery_payload,
        "payment": payment_method,
    }
    if placed_for:
        payload["placed_for"] = placed_for.__dict__
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _replay(checkout: Checkout, fingerprint: str) -> CheckoutResult:
    if checkout.request_fingerprint != fingerprint:
        raise IdempotencyConflictError(
            _("This Idempotency-Key was already used for a different checkout."),
            field="Idempotency-Key",
        )
    orders = list(checkout.orders.order_by("pk"))
    return CheckoutResult(checkout=checkout, orders=orders, replayed=True)


def _resolve_delivery(
    *, buyer: Any, profile: BuyerProfile | None, county_id: int, delivery: DeliveryRequest | None
) -> tuple[DeliveryRequest, Station | None]:
    """The delivery to use (the buyer's `profile` gives it when the request has none), and the
    station it goes to (if any)."""
    if delivery is None:
        station = profile.station if profile else None
        if station and station.county_id == county_id and station.active:
            # The default station was valid when chosen; re-checked here in memory.
            default = DeliveryRequest(
                DeliveryMethod.STATION,
                station.pk,
                profile.recipient_name or buyer.get_username(),
                profile.phone,
            )
            return default, station
        if not (profile and profile.address):
            raise ShopError(
                ShopErrorCode.DELIVERY_REQUIRED,
                _("Give a delivery: you have no default address or station."),
                field="delivery",
            )
        delivery = DeliveryRequest(
            DeliveryMethod.HOME,
            None,
            profile.recipient_name,
            profile.phone,
            profile.address,
            profile.region_code,
        )
    if delivery.method not in DeliveryMethod.values:
        raise ShopError(
            ShopErrorCode.UNKNOWN_DELIVERY_METHOD,
            _("Unknown delivery method."),
            field="delivery.method",
        )
    if delivery.method == DeliveryMethod.STATION:
        station = (
            Station.objects.filter(pk=delivery.station_id, county_id=county_id, active=True)
            .select_related("village")
            .first()
        )
        if station is None:
            raise ShopError(
                ShopErrorCode.UNKNOWN_STATION,
                _("Choose a village service station of this county."),
                field="delivery.station_id",
            )
    elif not delivery.address.strip():
        raise ShopError(
            ShopErrorCode.REQUIRED,
            _("Give an address for home delivery."),
            field="delivery.address",
        )
    else:
        station = None
        _check_region(delivery.region_code.strip())
    recipient = delivery.recipient_name.strip() or buyer.get_full_name() or buyer.get_username()
    resolved = DeliveryRequest(
        delivery.method,
        station.pk if station else None,
        recipient,
        delivery.phone.strip(),
        delivery.address.strip(),
        "" if station else delivery.region_code.strip(),
    )
    return resolved, station


def _check_region(region_code: str) -> None:
    if not region_code:
        return
    try:
        validate_region_code(region_code)
    except ValidationError as error:
        raise ShopError(
            ShopErrorCode.INVALID_REGION, error.messages[0], field="delivery.region_code"
        ) from error


def _load_lines(lines: Sequence[LineRequest], *, one_seller: bool) -> dict[Product, Decimal]:
    if not lines:
        raise ShopError(ShopErrorCode.EMPTY_ORDER, _("The order has no lines."), field="lines")
    products = Product.objects.select_related("seller", "county").in_bulk(
        [line.product_id for line in lines]
    )
    quantities: dict[Product, Decimal] = defaultdict(Decimal)
    for index, line in enumerate(lines):
        product = products.get(line.product_id)
        if product is None or not product.active:
            raise ShopError(
                ShopErrorCode.UNKNOWN_PRODUCT,
                _("No such product on sale."),
                field=f"lines[{index}].product_id",
            )
        try:
            quantity = parse_quantity(line.quantity, decimal_allowed=product.decimal_quantity)
        except ValidationError as error:
            raise ShopError(
                ShopErrorCode.INVALID_QUANTITY, error.messages[0], field=f"lines[{index}].quantity"
            ) from error
        quantities[product] += quantity
    if one_seller and len({product.seller_id for product in quantities}) > 1:
        raise ShopError(
            ShopErrorCode.MIXED_SELLERS,
            _("An API order holds products of one seller; place one order per seller."),
            field="lines",
        )
    if len({product.county_id for product in quantities}) > 1:
        raise ShopError(
            ShopErrorCode.MIXED_COUNTIES,
            _("All products of a checkout must be from one county."),
            field="lines",
        )
    return dict(quantities)


def place_checkout(
    *,
    buyer: Any,
    lines: Sequence[LineRequest],
    delivery: DeliveryRequest | None,
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY,
    idempotency_key: str = "",
    one_seller: bool = False,
    shown_shipping_fee: Decimal | None = None,
) -> CheckoutResult:
    """Create one order per seller, with its shipping fee, and allocate their stock in the same
    transaction.

    The same `idempotency_key` replays the first result instead of ordering twice, also when two
    identical requests race (the unique key makes the second wait, fail and replay).
    A buyer who signed up orders once they have proved their e-mail address.

    `shown_shipping_fee`, the shipping the buyer was shown, refuses the checkout if shipping now
    costs something else; it is no part of the request's fingerprint, as it follows from it.
    """
    if not email_verified(buyer):
        raise ShopError(
            ShopErrorCode.EMAIL_UNVERIFIED,
            _("Confirm your e-mail address first: follow the link we sent you."),
            field="buyer",
        )
    return _checkout_once(
        buyer=buyer,
        lines=lines,
        delivery=delivery,
        payment_method=payment_method,
        idempotency_key=idempotency_key,
        one_seller=one_seller,
        placed_for=None,
        shown_shipping_fee=shown_shipping_fee,
    )


def place_assisted_order(
    *,
    operator: Any,
    station: Station,
    villager_name: str,
    villager_phone: str,
    lines: Sequence[LineRequest],
    household: Household | None = None,
    idempotency_key: str = "",
) -> CheckoutResult:
    """A station operator orders for a villager (代购): picked up and paid in cash at the station.

    The operator is the buyer (so idempotency keys are theirs); stock, idempotency and one order
    per seller work as in `place_checkout`.
    """
    runs_station = getattr(operator, "is_authenticated", False) and (
        Membership.objects.filter(
            user=operator,
            role=Role.STATION_OPERATOR,
            station=station,
            county_id=station.county_id,
        ).exists()
    )
    if not runs_station:
        raise PermissionDenied(_("Only the operator of this station may order for villagers."))
    name, phone = villager_name.strip(), villager_phone.strip()
    if not name:
        raise ShopError(
            ShopErrorCode.REQUIRED, _("Give the villager's name."), field="villager_name"
        )
    if not phone:
        raise ShopError(
            ShopErrorCode.REQUIRED, _("Give the villager's phone number."), field="villager_phone"
        )
    if household is not None and household.village_id != station.village_id:
        raise ShopError(
            ShopErrorCode.UNKNOWN_HOUSEHOLD,
            _("Choose a household registered in this station's village."),
            field="household",
        )
    return _checkout_once(
        buyer=operator,
        lines=lines,
        delivery=DeliveryRequest(DeliveryMethod.STATION, station.pk, name, phone),
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
        idempotency_key=idempotency_key,
        one_seller=False,
        placed_for=PlacedFor(name, phone, household.pk if household else None),
    )


def _checkout_once(
    *,
    buyer: Any,
    lines: Sequence[LineRequest],
    delivery: DeliveryRequest | None,
    payment_method: str,
    idempotency_key: str,
    one_seller: bool,
    placed_for: PlacedFor | None,
    shown_shipping_fee: Decimal | None = None,
) -> CheckoutResult:
    if payment_method not in PaymentMethod.values:
        raise ShopError(
            ShopErrorCode.UNKNOWN_PAYMENT_METHOD,
            _("Unknown payment method."),
            field="payment_method",
        )
    fingerprint = _fingerprint(lines, delivery, payment_method, placed_for)
    key = idempotency_key.strip()[:100]
    if key:
        existing = Checkout.objects.filter(buyer=buyer, idempotency_key=key).first()
        if existing:
            return _replay(existing, fingerprint)
    try:
        return _place_checkout(
            buyer=buyer,
            lines=lines,
            delivery=delivery,
            payment_method=payment_method,
            key=key or f"auto-{uuid.uuid4()}",
            fingerprint=fingerprint,
            one_seller=one_seller,
            placed_for=placed_for,
            shown_shipping_fee=shown_shipping_fee,
        )
    except IntegrityError:
        existing = (
            Checkout.objects.filter(buyer=buyer, idempotency_key=key).first() if key else None
        )
        if existing is None:
            raise
        return _replay(existing, fingerprint)


@transaction.atomic
def _place_checkout(
    *,
    buyer: Any,
    lines: Sequence[LineRequest],
    delivery: DeliveryRequest | None,
    payment_method: str,
    key: str,
    fingerprint: str,
    one_seller: bool,
    placed_for: PlacedFor | None,
    shown_shipping_fee: Decimal | None,
) -> CheckoutResult:
    quantities = _load_lines(lines, one_seller=one_seller)
    county = next(iter(quantities)).county
    # One read of the profile serves the default delivery and the buyer's kind; an operator
    # ordering for a villager names the delivery and buys for the villager's household.
    profile = (
        None
        if placed_for and delivery
        else BuyerProfile.objects.filter(user=buyer).select_related("station__village").first()
    )
    resolved, station = _resolve_delivery(
        buyer=buyer, profile=profile, county_id=county.pk, delivery=delivery
    )
    quotes = {
        quote.seller.pk: quote
        for quote in quote_shipping(
            county=county,
            lines=quantities,
            method=resolved.method,
            region_code=resolved.region_code,
        )
    }
    shipping = sum((quote.fee for quote in quotes.values()), Decimal("0.00"))
    if shown_shipping_fee is not None and shipping != shown_shipping_fee:
        raise ShopError(
            ShopErrorCode.SHIPPING_CHANGED,
            _(
                "Shipping for this delivery is %(fee)s; check the new total and place the order "
                "again."
            )
            % {"fee": format_money(shipping)},
            field="delivery",
        )
    checkout = Checkout.objects.create(
        county=county, buyer=buyer, idempotency_key=key, request_fingerprint=fingerprint
    )
    allocation.allocate_stock(quantities=quantities)
    by_seller: dict[Seller, list[tuple[Product, Decimal]]] = defaultdict(list)
    for product, quantity in quantities.items():
        by_seller[product.seller].append((product, quantity))
    now = timezone.now()
    # The county's calendar day: an order placed at 01:30 in Beijing on the 7th is the 7th's.
    day = local_date(now, county)
    result = CheckoutResult(checkout=checkout)
    # The kind the buyer's profile declares, kept on the order as it was when placed.
    buyer_kind = BuyerKind.HOUSEHOLD if placed_for else (profile.buyer_kind if profile else "")
    for index, (seller, seller_lines) in enumerate(
        sorted(by_seller.items(), key=lambda item: item[0].pk), start=1
    ):
        order = _create_order(
            checkout=checkout,
            seller=seller,
            seller_lines=seller_lines,
            delivery=resolved,
            station=station,
            payment_method=payment_method,
            number=f"{day:%Y%m%d}-{checkout.pk:06d}-{index}",
            now=now,
            shipping=quotes[seller.pk],
            buyer_kind=buyer_kind,
            placed_for=placed_for,
        )
        result.orders.append(order)
    count_after_commit(metrics.CHECKOUTS)
    return result


def _create_order(
    *,
    checkout: Checkout,
    seller: Seller,
    seller_lines: list[tuple[Product, Decimal]],
    delivery: DeliveryRequest,
    station: Station | None,
    payment_method: str,
    number: str,
    now: Any,
    shipping: ShippingQuote,
    buyer_kind: str,
    placed_for: PlacedFor | None = None,
) -> Order:
    order_lines = [
        OrderLine(
            product=product,
            product_name=product.name,
            unit=product.unit,
            quantity=quantity,
            unit_price=product.price,
            line_total=quantize_cny(product.price * quantity),
        )
        for product, quantity in seller_lines
    ]
    order = Order.objects.create(
        county=checkout.county,
        number=number,
        checkout=checkout,
        buyer=checkout.buyer,
        seller=seller,
        delivery_method=delivery.method,
        station=station,
        recipient_name=delivery.recipient_name,
        phone=delivery.phone,
        address=delivery.address,
        region_code=delivery.region_code,
        buyer_kind=buyer_kind,
        payment_method=payment_method,
        total=sum((line.line_total for line in order_lines), shipping.fee),
        shipping_fee=shipping.fee,
        placed_at=now,
        placed_for_name=placed_for.name if placed_for else "",
        placed_for_phone=placed_for.phone if placed_for else "",
        placed_for_household_id=placed_for.household_id if placed_for else None,
        pickup_code=new_pickup_code(station.pk) if station else "",
    )
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    # The new order's lines, so callers can show it without reading it back.
    order.created_lines = order_lines
    provider_for(payment_method).open_payment(order=order)
    OrderEvent.objects.create(order=order, to_status=S.PLACED, actor=checkout.buyer, created_at=now)
    record_audit(
        actor=checkout.buyer,
        action="order.placed",
        target=order,
        county=order.county,
        changes={
            "total": order.total,
            "shipping_fee": order.shipping_fee,
            "lines": len(order_lines),
        },
    )
    if placed_for:
        # Who was served, not their personal data: the name and phone stay on the order.
        record_audit(
            actor=checkout.buyer,
            action="order.placed_for_villager",
            target=order,
            county=order.county,
            changes={"station": order.station_id, "household": order.placed_for_household_id},
        )
    return order
