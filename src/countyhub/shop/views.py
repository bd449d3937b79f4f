"""Storefront pages of the shop (cart, checkout, orders) and the seller dashboard."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog import selectors as catalog_selectors
from countyhub.catalog.cart import SessionCart
from countyhub.catalog.models import Product
from countyhub.core.models import County
from countyhub.core.numbers import plain_number
from countyhub.shop import policies, selectors, services
from countyhub.shop.charts import sales_chart_svg
from countyhub.shop.errors import InsufficientStockError, ShopError
from countyhub.shop.forms import (
    AssistedOrderForm,
    CheckoutForm,
    ShipForm,
    check_quantities,
    read_lines,
)
from countyhub.shop.models import BuyerProfile, Checkout, DeliveryMethod, Order
from countyhub.shop.payments import provider_for
from countyhub.shop.services import DeliveryRequest, LineRequest
from countyhub.stations.models import Station
from countyhub.stations.selectors import operated_stations

ORDERS_PER_PAGE = 25


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


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    orders = selectors.orders_of_buyer(buyer=request.user).order_by("-placed_at", "-pk")
    page_obj = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "shop/orders.html", {"orders": page_obj.object_list, "page_obj": page_obj}
    )


def _visible_order(request: HttpRequest, number: str) -> Order:
    order = (
        policies.visible_orders(request.user)
        .select_related("county", "seller", "station__village", "payment")
        .prefetch_related("lines", "events")
        .filter(number=number)
        .first()
    )
    if order is None:
        raise Http404
    return order


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    order = _visible_order(request, number)
    context = {
        "order": order,
        "county": order.county,
        "shipment": getattr(order, "shipment", None),
        "payment_instructions": provider_for(order.payment_method).instructions(order=order),
        "may_fulfil": policies.may_fulfil(request.user, order),
        "may_cancel": policies.may_cancel(request.user, order)
        and order.status in {"placed", "paid", "packed"},
        "may_confirm_delivery": policies.may_confirm_delivery(request.user, order)
        and order.status == "shipped",
        "may_complete": policies.may_complete(request.user, order) and order.status == "delivered",
        "show_recipient": not order.is_assisted or policies.may_see_villager(request.user, order),
        "ship_form": ShipForm(),
    }
    return render(request, "shop/order.html", context)


@login_required
@require_POST
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Pack, ship, cancel or confirm delivery from a page; the same services as the API."""
    order = _visible_order(request, number)
    allowed = {
        "pack": policies.may_fulfil,
        "ship": policies.may_fulfil,
        "cancel": policies.may_cancel,
        "deliver": policies.may_confirm_delivery,
        "complete": policies.may_complete,
    }
    if action not in allowed:
        raise Http404
    if not allowed[action](request.user, order):
        raise PermissionDenied
    try:
        if action == "pack":
            services.pack_order(order=order, actor=request.user)
        elif action == "ship":
            form = ShipForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Give the carrier and the tracking number."))
                return redirect(request.POST.get("next") or "shop:order", number)
            services.ship_order(order=order, actor=request.user, **form.cleaned_data)
        elif action == "cancel":
            services.cancel_order(order=order, actor=request.user)
        elif action == "complete":
            services.complete_order(order=order, actor=request.user)
        else:
            services.confirm_delivery(order=order, actor=request.user)
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Order %(number)s updated.") % {"number": number})
    if request.POST.get("next") == "dashboard":
        return redirect("shop:seller_dashboard")
    if request.POST.get("next") == "station":
        return redirect("shop:station_dashboard")
    return redirect("shop:order", number)


@login_required
def seller_dashboard(request: HttpRequest) -> HttpResponse:
    sellers = list(request.user.seller_staff_of.select_related("county"))
    if not sellers:
        raise PermissionDenied
    seller_ids = [s.pk for s in sellers]
    since = timezone.now() - datetime.timedelta(days=365)
    products = (
        Product.objects.filter(seller_id__in=seller_ids)
        .select_related("stock", "county")
        .order_by("name")
    )
    monthly = selectors.monthly_sales(seller_ids=seller_ids, since=since)
    context = {
        "sellers": sellers,
        "county": sellers[0].county,
        "products": products,
        "orders": selectors.orders_awaiting_shipment(seller_ids=seller_ids),
        "sales_chart": sales_chart_svg(monthly),
        "year_total": sum((total for _month, total in monthly), Decimal("0.00")),
        "ship_form": ShipForm(),
    }
    return render(request, "shop/seller_dashboard.html", context)


@login_required
def station_dashboard(request: HttpRequest) -> HttpResponse:
    """A village service station's parcels: hand them over and confirm delivery."""
    stations = list(operated_stations(request.user))
    if not stations:
        raise PermissionDenied
    station_ids = [station.pk for station in stations]
    context = {
        "stations": stations,
        "orders": selectors.orders_at_stations(station_ids=station_ids),
        "villager_orders": selectors.orders_for_villagers(station_ids=station_ids),
    }
    return render(request, "shop/station_dashboard.html", context)


def _operated_station(request: HttpRequest, station_id: int) -> Station:
    """The station, if this user runs it; any other station is reported missing."""
    station = operated_stations(request.user).filter(pk=station_id).first()
    if station is None:
        raise Http404
    return station


@login_required
def assisted_order(request: HttpRequest, station_id: int) -> HttpResponse:
    """The station operator orders for a villager (代购).

    One form holds everything; searching, adding and removing post it back, so nothing typed is
    lost, and only "place" validates and orders.
    """
    station = _operated_station(request, station_id)
    county = station.county
    data = request.POST
    lines = read_lines(data, county=county) if request.method == "POST" else []
    placing = data.get("action") == "place"
    # Between steps the form shows what was typed without complaining about what is missing yet.
    form = (
        AssistedOrderForm(data, county=county)
        if placing
        else AssistedOrderForm(initial=data.dict(), county=county)
    )
    if placing:
        quantities_ok = check_quantities(lines)
        if not lines:
            form.add_error(None, _("Add at least one product."))
        if form.is_valid() and quantities_ok:
            try:
                result = services.place_assisted_order(
                    operator=request.user,
                    station=station,
                    villager_name=form.cleaned_data["villager_name"],
                    villager_phone=form.cleaned_data["villager_phone"],
                    household=form.cleaned_data["household"],
                    lines=[LineRequest(line.product.pk, line.quantity) for line in lines],
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except InsufficientStockError as error:
                short = {shortage.product_id: shortage for shortage in error.shortages}
                for line in lines:
                    if line.product.pk in short:
                        line.error = _("Only %(available)s left.") % {
                            "available": plain_number(short[line.product.pk].available)
                        }
            except ShopError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    _("Ordered for %(name)s: %(numbers)s.")
                    % {
                        "name": form.cleaned_data["villager_name"],
                        "numbers": ", ".join(order.number for order in result.orders),
                    },
                )
                return redirect("shop:station_dashboard")
    q = data.get("q", "").strip()
    household_q = data.get("household_q", "").strip()
    chosen = form["household"].value()
    context = {
        "station": station,
        "county": county,
        "form": form,
        "lines": lines,
        "q": q,
        "products": catalog_selectors.storefront_products(county=county, q=q)[:20] if q else [],
        "household_q": household_q,
        "households": selectors.households_matching(station=station, q=household_q),
        "chosen_household": selectors.household_in(station=station, household_id=chosen),
    }
    return render(request, "shop/assisted_order.html", context)
