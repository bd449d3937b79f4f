"""What villagers pay through the stations against the county's own prices, and consumption
through the stations (issue 15). Same readers as the income page and the county accounts
(county administrators and analysts); only administrators enter reference prices."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from countyhub.impact import living_costs, services
from countyhub.impact.forms import PriceImportForm, ReferencePriceForm
from countyhub.impact.models import ReferencePrice
from countyhub.impact.views import _county


@login_required
def living_costs_page(request: HttpRequest, county_slug: str) -> HttpResponse:
    county, may_change = _county(request, county_slug)
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    form = ReferencePriceForm(request.POST or None, county=county)
    if request.method == "POST" and form.is_valid():
        try:
            reference = services.record_reference_price(
                actor=request.user, county=county, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(item)s %(year)s saved.")
                % {"item": reference.item_name, "year": reference.year},
            )
            return redirect(f"{request.path}?year={reference.year}#reference-prices")
    years = living_costs.living_cost_years(county)
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        year = None
    if year not in years:
        year = years[-1] if years else None
    result = living_costs.living_costs(county, [year] if year is not None else [])
    context = {
        "county": county,
        "may_change": may_change,
        "years": years,
        "year": year,
        "result": result,
        "prices": result.prices_of(year) if year is not None else [],
        "uncompared": result.uncompared_of(year) if year is not None else [],
        "summary": result.by_year.get(year) if year is not None else None,
        "villages": result.villages_of(year) if year is not None else [],
        "references": ReferencePrice.objects.filter(county=county, year=year)
        .select_related("category", "product")
        .order_by("category__name", "product__name", "place"),
        "method": living_costs.method_sentences(),
        "form": form,
        "import_form": PriceImportForm(),
        "columns": services.PRICE_COLUMNS,
    }
    return render(request, "impact/living_costs.html", context, status=400 if form.errors else 200)


@login_required
def import_prices(request: HttpRequest, county_slug: str) -> HttpResponse:
    county, may_change = _county(request, county_slug)
    if not may_change:
        raise PermissionDenied
    form = PriceImportForm(request.POST or None, request.FILES or None)
    errors: list[services.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = services.read_price_rows(upload.file, upload.name)
            count = services.import_reference_prices(actor=request.user, county=county, rows=rows)
        except services.ImportRejectedError as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("%(count)d reference prices imported.") % {"count": count})
            return redirect("impact:living_costs", county.slug)
    context = {"county": county, "form": form, "errors": errors, "columns": services.PRICE_COLUMNS}
    status = 400 if errors or form.errors else 200
    return render(request, "impact/living_costs_import.html", context, status=status)
