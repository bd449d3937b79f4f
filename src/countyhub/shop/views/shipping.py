"""The seller's shipping rates: list, add, change and delete its own, nobody else's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog.models import Seller
from countyhub.shop.errors import ShopError
from countyhub.shop.forms import ShippingRateForm
from countyhub.shop.models import ShippingRate
from countyhub.shop.services.shipping import delete_shipping_rate, save_shipping_rate


def _own_sellers(request: HttpRequest) -> QuerySet[Seller]:
    sellers = request.user.seller_staff_of.select_related("county").order_by("name")
    if not sellers.exists():
        raise PermissionDenied
    return sellers


def _own_rate(request: HttpRequest, rate_id: int) -> ShippingRate:
    # Another seller's rate does not exist for this user.
    return get_object_or_404(
        ShippingRate.objects.select_related("seller__county"),
        pk=rate_id,
        seller__staff=request.user,
    )


def _save(request: HttpRequest, form: ShippingRateForm) -> bool:
    if not form.is_valid():
        return False
    try:
        save_shipping_rate(actor=request.user, rate=form.instance)
    except ShopError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return False
    messages.success(request, _("Shipping rate saved."))
    return True


@login_required
def shipping_rates(request: HttpRequest) -> HttpResponse:
    sellers = _own_sellers(request)
    form = ShippingRateForm(request.POST or None, sellers=sellers)
    if request.method == "POST" and _save(request, form):
        return redirect("shop:shipping_rates")
    rates = ShippingRate.objects.filter(seller__in=sellers).select_related("seller")
    context = {
        "sellers": sellers,
        "county": sellers[0].county,
        "rates": rates,
        "form": form,
    }
    return render(request, "shop/shipping_rates.html", context)


@login_required
def shipping_rate_edit(request: HttpRequest, rate_id: int) -> HttpResponse:
    rate = _own_rate(request, rate_id)
    sellers = _own_sellers(request)
    form = ShippingRateForm(request.POST or None, instance=rate, sellers=sellers)
    if request.method == "POST" and _save(request, form):
        return redirect("shop:shipping_rates")
    context = {"county": rate.seller.county, "rate": rate, "form": form}
    return render(request, "shop/shipping_rate_edit.html", context)


@require_POST
@login_required
def shipping_rate_delete(request: HttpRequest, rate_id: int) -> HttpResponse:
    rate = _own_rate(request, rate_id)
    delete_shipping_rate(actor=request.user, rate=rate)
    messages.success(request, _("Shipping rate deleted."))
    return redirect("shop:shipping_rates")
