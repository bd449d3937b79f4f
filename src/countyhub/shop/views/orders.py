"""A buyer's, seller's or staff member's orders and the actions on them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.shop import policies, selectors, services
from countyhub.shop.errors import ShopError
from countyhub.shop.forms import (
    HandOverForm,
    ShipForm,
)
from countyhub.shop.models import Order
from countyhub.shop.payments import provider_for
from countyhub.shop.services.station_desk import cash_due

ORDERS_PER_PAGE = 25


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
    runs_station = policies.runs_station(request.user, order.station_id)
    desk = order.station is not None and policies.may_work_station_desk(request.user, order.station)
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
        # The station desk, for the station's operators and county staff (shop.views.station).
        "show_pickup_code": order.buyer_id == request.user.pk,
        "desk": desk,
        "runs_station": runs_station,
        "handover_form": HandOverForm(initial={"cash_collected": cash_due(order)}),
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
                return _back(request, number)
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
    return _back(request, number)


def _back(request: HttpRequest, number: str) -> HttpResponse:
    """Back to the page the action came from: `next` names one of this site's pages, never a
    URL, so no form can send the user elsewhere; anything unknown goes to the order."""
    pages = {"dashboard": "shop:seller_dashboard", "station": "shop:station_dashboard"}
    target = pages.get(request.POST.get("next", ""))
    return redirect(target) if target else redirect("shop:order", number)
