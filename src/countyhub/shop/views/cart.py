"""The cart and checkout of a county's storefront."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog.cart import CartLine, SessionCart
from countyhub.catalog.models import Product
from countyhub.core.models import County
from countyhub.core.numbers import plain_number
from countyhub.core.selectors import email_verified
from countyhub.shop import services
from countyhub.shop.errors import InsufficientStockError, ShopError
from countyhub.shop.forms import (
    CheckoutForm,
)
from countyhub.shop.models import BuyerProfile, Checkout, DeliveryMethod
from countyhub.shop.services import DeliveryRequest, LineRequest
from countyhub.shop.services.shipping import ShippingQuote, quote_shipping


@dataclass
class Shipping:
    """What the cart's parcels cost by one delivery, shown before the buyer orders; or why
    they cannot go there."""

    method: str
    quotes: list[ShippingQuote] = field(default_factory=list)
    refusal: str = ""

    @property
    def fee(self) -> Decimal:
        return sum((quote.fee for quote in self.quotes), Decimal("0.00"))

    @property
    def method_label(self) -> str:
        return str(DeliveryMethod(self.method).label)


def _shipping(county: County, lines: Sequence[CartLine], method: str, region: str) -> Shipping:
    if method not in DeliveryMethod.values:
        method = DeliveryMethod.STATION
    shipping = Shipping(method)
    try:
        shipping.quotes = quote_shipping(
            county=county,
            lines={line.product: line.quantity for line in lines},
            method=method,
            region_code=region,
        )
    except ShopError as error:
        shipping.refusal = error.message
    return shipping


def _county(slug: str) -> County:
    return get_object_or_404(County, slug=slug)


@require_POST
def cart_add(request: HttpRequest, county_slug: str, product_id: int) -> HttpResponse:
    county = _county(county_slug)
    product = get_object_or_404(Product, county=county, pk=product_id, active=True)
    cart = SessionCart(request, county)
    try:
        cart.add(product, request.POST.get("quantity", "1"))
    except ValidationError as error:
        message = error.messages[0]
        if request.htmx:
            return render(request, "shop/_cart_error.html", {"message": message})
        messages.error(request, message)
        return redirect("catalog:product", county.slug, product.pk)
    if request.htmx:
        return render(
            request, "shop/_cart_added.html", {"county": county, "cart_count": cart.count()}
        )
    messages.success(request, _("Added to your cart."))
    return redirect("shop:cart", county.slug)


def cart(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(county_slug)
    session_cart = SessionCart(request, county)
    if request.method == "POST":
        _update_cart(request, session_cart)
        return redirect("shop:cart", county.slug)
    contents = session_cart.contents()
    for repair in contents.repairs:
        messages.warning(request, repair)
    defaults = _delivery_defaults(request) if request.user.is_authenticated else {}
    shipping = _shipping(
        county,
        contents.lines,
        str(defaults.get("delivery_method", DeliveryMethod.STATION)),
        str(defaults.get("region_code", "")),
    )
    context = {
        "county": county,
        "lines": contents.lines,
        "total": contents.total,
        "shipping": shipping,
        "grand_total": contents.total + shipping.fee,
        "cart_count": len(contents.lines),
    }
    return render(request, "shop/cart.html", context)


def _update_cart(request: HttpRequest, session_cart: SessionCart) -> None:
    """Set each posted quantity (0 or empty removes the line); a refused one is named and the
    line keeps what it held."""
    for line in session_cart.contents().lines:
        raw = request.POST.get(f"quantity-{line.product.pk}")
        if raw is None:
            continue
        try:
            session_cart.set(line.product, raw)
        except ValidationError as error:
            messages.error(request, error.messages[0])


def _delivery_defaults(request: HttpRequest) -> dict[str, object]:
    profile = BuyerProfile.objects.filter(user=request.user).first()
    if profile is None:
        return {"recipient_name": request.user.get_full_name()}
    return {
        "delivery_method": DeliveryMethod.STATION if profile.station_id else DeliveryMethod.HOME,
        "station": profile.station_id,
        "recipient_name": profile.recipient_name,
        "phone": profile.phone,
        "address": profile.address,
        "region_code": profile.region_code,
    }


@login_required
def checkout(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(county_slug)
    session_cart = SessionCart(request, county)
    contents = session_cart.contents()
    for repair in contents.repairs:
        messages.warning(request, repair)
    if contents.repairs and request.method == "POST":
        # The cart changed under the buyer: they confirm the new quantities before ordering.
        return redirect("shop:cart", county.slug)
    lines = contents.lines
    if not lines:
        messages.info(request, _("Your cart is empty."))
        return redirect("catalog:home", county.slug)
    if request.htmx and request.method == "GET":
        return _shipping_quote(request, county, lines)
    form = CheckoutForm(request.POST or None, county=county, initial=_delivery_defaults(request))
    chosen = form.data if form.is_bound else form.initial
    shipping = _shipping(
        county,
        lines,
        str(chosen.get("delivery_method") or DeliveryMethod.STATION),
        str(chosen.get("region_code") or ""),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = data["station"]
        try:
            result = services.place_checkout(
                shown_shipping_fee=_shown_fee(request),
                buyer=request.user,
                lines=[LineRequest(line.product.pk, line.quantity) for line in lines],
                delivery=DeliveryRequest(
                    data["delivery_method"],
                    station.pk if station else None,
                    data["recipient_name"],
                    data["phone"],
                    data["address"],
                    data["region_code"],
                ),
                payment_method=data["payment_method"],
                idempotency_key=data["idempotency_key"],
            )
        except InsufficientStockError as error:
            for shortage in error.shortages:
                form.add_error(
                    None,
                    _("%(product)s: only %(available)s left.")
                    % {
                        "product": shortage.product_name,
                        "available": plain_number(shortage.available),
                    },
                )
        except ShopError as error:
            field = (error.field or "").removeprefix("delivery.").removesuffix("_id")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            if data["remember"]:
                services.remember_delivery(
                    buyer=request.user,
                    station=station,
                    recipient_name=data["recipient_name"],
                    phone=data["phone"],
                    address=data["address"],
                    region_code=data["region_code"],
                )
            session_cart.clear()
            messages.success(request, _("Thank you! Your order is placed."))
            if len(result.orders) == 1:
                return redirect("shop:order", result.orders[0].number)
            return redirect("shop:checkout_placed", result.checkout.pk)
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    context = {
        "county": county,
        "form": form,
        "lines": lines,
        "total": total,
        "shipping": shipping,
        "grand_total": total + shipping.fee,
        "cart_count": len(lines),
        "email_unverified": not email_verified(request.user),
    }
    return render(request, "shop/checkout.html", context)


def _shipping_quote(request: HttpRequest, county: County, lines: list[CartLine]) -> HttpResponse:
    """The checkout's shipping for the delivery now chosen on the page, and the fee it shows."""
    shipping = _shipping(
        county, lines, request.GET.get("delivery_method", ""), request.GET.get("region_code", "")
    )
    total = sum((line.line_total for line in lines), Decimal("0.00"))
    context = {
        "total": total,
        "shipping": shipping,
        "grand_total": total + shipping.fee,
        "oob": True,
    }
    return render(request, "shop/_checkout_shipping.html", context)


def _shown_fee(request: HttpRequest) -> Decimal | None:
    """The shipping the page showed before this submit; a page without it checks nothing."""
    try:
        return Decimal(request.POST.get("shown_shipping_fee", ""))
    except InvalidOperation:
        return None


@login_required
def checkout_placed(request: HttpRequest, checkout_id: int) -> HttpResponse:
    """The thank-you page of a checkout that became one order per seller: each order with its
    total, and what the buyer pays in all."""
    checkout = get_object_or_404(Checkout, pk=checkout_id, buyer=request.user)
    orders = list(checkout.orders.select_related("seller", "county").order_by("pk"))
    context = {
        "orders": orders,
        "county": orders[0].county if orders else None,
        "grand_total": sum((order.total for order in orders), Decimal("0.00")),
    }
    return render(request, "shop/checkout_placed.html", context)
