"""The village service station's pages: its parcels (received, handed over against the pickup
code, returned), its closed days and their sheets, and ordering for villagers."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog import selectors as catalog_selectors
from countyhub.core.numbers import plain_number
from countyhub.shop import policies, selectors, services
from countyhub.shop.day_sheet_jobs import start_day_sheet_pdf
from countyhub.shop.errors import InsufficientStockError, ShopError
from countyhub.shop.forms import (
    AssistedOrderForm,
    CloseDayForm,
    HandOverForm,
    check_quantities,
    read_lines,
)
from countyhub.shop.models import DeliveryMethod, Order, StationDay, StationDayLineKind
from countyhub.shop.services import LineRequest, station_desk
from countyhub.stations.models import Station
from countyhub.stations.selectors import operated_stations

# The desk's two lists grow with the station: each is paged, with counts and page links.
PARCELS_PER_PAGE = 30
VILLAGER_ORDERS_PER_PAGE = 25


@login_required
def station_dashboard(request: HttpRequest) -> HttpResponse:
    """A village service station's parcels: receive them, hand them over, send them back."""
    return _render_dashboard(request)


def _render_dashboard(
    request: HttpRequest, *, failed: dict[str, HandOverForm] | None = None, status: int = 200
) -> HttpResponse:
    """The dashboard; `failed` holds the hand-over form refused, by order number, so its
    error shows on its field with what was typed."""
    stations = list(operated_stations(request.user))
    if not stations:
        raise PermissionDenied
    station_ids = [station.pk for station in stations]
    parcels_page = Paginator(
        selectors.orders_at_stations(station_ids=station_ids), PARCELS_PER_PAGE
    ).get_page(request.GET.get("parcels_page"))
    orders = list(parcels_page)
    failed = failed or {}
    for order in orders:
        order.due = station_desk.cash_due(order)
        # Each card's fields get their own ids (several parcels share the page).
        order.handover_form = failed.get(order.number) or HandOverForm(
            initial={"cash_collected": order.due}, auto_id=f"%s-{order.pk}"
        )
    context = {
        "stations": stations,
        "orders": orders,
        "parcels_page": parcels_page,
        "villager_orders": Paginator(
            selectors.orders_for_villagers(station_ids=station_ids), VILLAGER_ORDERS_PER_PAGE
        ).get_page(request.GET.get("page")),
    }
    return render(request, "shop/station_dashboard.html", context, status=status)


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
                    _("Ordered for %(name)s: %(numbers)s. Print the slip with the pickup code.")
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


def _desk_order(request: HttpRequest, number: str) -> Order:
    """A station order whose station desk this user works; any other is reported missing."""
    order = (
        Order.objects.filter(number=number, delivery_method=DeliveryMethod.STATION)
        .select_related("station__county", "station__village", "seller", "payment", "county")
        .first()
    )
    if order is None or not policies.may_work_station_desk(request.user, order.station):
        raise Http404
    return order


def _back(request: HttpRequest, order: Order) -> HttpResponse:
    if request.POST.get("next") == "order":
        return redirect("shop:order", order.number)
    return redirect(f"{reverse('shop:station_dashboard')}#order-{order.number}")


@login_required
@require_POST
def station_receive(request: HttpRequest, number: str) -> HttpResponse:
    """The parcel arrived at the station: ready for pickup."""
    order = _desk_order(request, number)
    try:
        services.receive_at_station(order=order, actor=request.user)
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(number)s is ready for pickup.") % {"number": order.number})
    return _back(request, order)


@login_required
@require_POST
def station_hand_over(request: HttpRequest, number: str) -> HttpResponse:
    """Hand the parcel over against its pickup code, with the cash taken."""
    order = _desk_order(request, number)
    form = HandOverForm(request.POST, auto_id=f"%s-{order.pk}")
    try:
        services.hand_over(
            order=order,
            actor=request.user,
            code=form.data.get("code", ""),
            cash_collected=form.data.get("cash_collected", ""),
            difference_reason=form.data.get("difference_reason", ""),
            staff_reason=form.data.get("staff_reason", ""),
        )
    except ShopError as error:
        if request.POST.get("next") == "order":
            messages.error(request, error.message)
            return redirect("shop:order", order.number)
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return _render_dashboard(request, failed={order.number: form}, status=422)
    messages.success(request, _("%(number)s handed over.") % {"number": order.number})
    return _back(request, order)


@login_required
@require_POST
def station_return(request: HttpRequest, number: str) -> HttpResponse:
    """The buyer did not come: the parcel goes back to the seller."""
    order = _desk_order(request, number)
    try:
        services.return_to_seller(
            order=order, actor=request.user, reason=request.POST.get("reason", "")
        )
    except ShopError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(number)s goes back to the seller.") % {"number": order.number}
        )
    return _back(request, order)


def _desk_station(request: HttpRequest, station_id: int) -> Station:
    station = Station.objects.select_related("county", "village").filter(pk=station_id).first()
    if station is None or not policies.may_work_station_desk(request.user, station):
        raise Http404
    return station


@login_required
def station_day(request: HttpRequest, station_id: int) -> HttpResponse:
    """A station's day: what it received, handed over and returned, and closing it."""
    station = _desk_station(request, station_id)
    today = timezone.localdate()
    try:
        day = (
            datetime.date.fromisoformat(request.GET.get("day", ""))
            if "day" in request.GET
            else today
        )
    except ValueError:
        day = today
    day = min(day, today)
    form = CloseDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closed = services.close_station_day(
                station=station,
                day=form.cleaned_data["day"],
                actor=request.user,
                cash_counted=form.cleaned_data["cash_counted"],
                difference_reason=form.cleaned_data["difference_reason"],
                correction_reason=form.cleaned_data["correction_reason"],
            )
        except ShopError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("The day is closed."))
            return redirect("shop:station_day_sheet", closed.pk)
    if form.is_bound and form.is_valid():
        day = form.cleaned_data["day"]
    figures = selectors.station_day_figures(station=station, day=day)
    days = selectors.station_days(station=station)
    closed_today = [record for record in days if record.day == day]
    if not form.is_bound:
        form = CloseDayForm(initial={"day": day, "cash_counted": figures.cash_collected})
    context = {
        "station": station,
        "county": station.county,
        "day": day,
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1) if day < today else None,
        "figures": figures,
        "form": form,
        "closed": closed_today[0] if closed_today else None,
        "days": days,
    }
    return render(request, "shop/station_day.html", context)


@login_required
def station_day_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable sheet of a closed day (the browser prints it; the print stylesheet drops
    the site's header and buttons)."""
    closed = (
        StationDay.objects.select_related("station__county", "station__village", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if closed is None or not policies.may_work_station_desk(request.user, closed.station):
        raise Http404
    lines = list(closed.lines.select_related("order"))
    by_seller: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.kind == StationDayLineKind.HANDED_OVER:
            by_seller[line.seller_name] += line.cash_collected
    context = {
        "closed": closed,
        "station": closed.station,
        "county": closed.station.county,
        "received": [line for line in lines if line.kind == StationDayLineKind.RECEIVED],
        "handed_over": [line for line in lines if line.kind == StationDayLineKind.HANDED_OVER],
        "returned": [line for line in lines if line.kind == StationDayLineKind.RETURNED],
        "by_seller": sorted(by_seller.items()),
        "corrected_by": StationDay.objects.filter(corrects=closed).first(),
    }
    return render(request, "shop/station_day_sheet.html", context)


@login_required
@require_POST
def station_day_sheet_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The closed day's sheet as a PDF (the same records as the printable page), made in the
    background: the operator is sent to the job's page, which offers the PDF once it is made."""
    closed = (
        StationDay.objects.select_related("station__county", "station__village", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if closed is None or not policies.may_work_station_desk(request.user, closed.station):
        raise Http404
    job = start_day_sheet_pdf(actor=request.user, closed=closed)
    return redirect("job", job_id=job.pk)


@login_required
def station_slip(request: HttpRequest, number: str) -> HttpResponse:
    """The printed slip an operator gives a villager ordered for: the pickup code, what and
    how much to pay."""
    order = _desk_order(request, number)
    if not order.is_assisted:
        raise Http404
    return render(
        request,
        "shop/station_slip.html",
        {"order": order, "county": order.county, "lines": order.lines.all()},
    )
