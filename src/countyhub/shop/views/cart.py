"""The cart and checkout of a county's storefront."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog.cart import SessionCart
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
    context = {
        "county": county,
        "lines": contents.lines,
        "total": contents.total,
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
    form = CheckoutForm(request.POST or None, county=county, initial=_delivery_defaults(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = data["station"]
        try:
            result = services.place_checkout(
                buyer=request.user,
                lines=[LineRequest(line.product.pk, line.quantity) for line in lines],
                delivery=DeliveryRequest(
                    data["delivery_method"],
                    station.pk if station else None,
                    data["recipient_name"],
                    data["phone"],
                    data["address"],
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
                )
            session_cart.clear()
            messages.success(request, _("Thank you! Your order is placed."))
            if len(result.orders) == 1:
                return redirect("shop:order", result.orders[0].number)
            return redirect("shop:checkout_placed", result.checkout.pk)
    context = {
        "county": county,
        "form": form,
        "lines": lines,
        "total": sum((line.line_total for line in lines), Decimal("0.00")),
        "cart_count": len(lines),
        "email_unverified": not email_verified(request.user),
    }
    return render(request, "shop/checkout.html", context)


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
