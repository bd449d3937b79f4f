"""The village service station's pages: its orders and ordering for villagers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from countyhub.catalog import selectors as catalog_selectors
from countyhub.core.numbers import plain_number
from countyhub.shop import selectors, services
from countyhub.shop.errors import InsufficientStockError, ShopError
from countyhub.shop.forms import (
    AssistedOrderForm,
    check_quantities,
    read_lines,
)
from countyhub.shop.services import LineRequest
from countyhub.stations.models import Station
from countyhub.stations.selectors import operated_stations


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
