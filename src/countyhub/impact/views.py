"""Yearbook figures of a county: county administrators type them in or import a file; the
county's analysts read them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.models import County, Role
from countyhub.core.permissions import is_county_admin, roles_in
from countyhub.impact import selectors, services
from countyhub.impact.accounts import county_accounts
from countyhub.impact.charts import components_svg
from countyhub.impact.forms import FigureImportForm, YearbookFigureForm


def _county(request: HttpRequest, slug: str) -> tuple[County, bool]:
    """The county and whether the user may change its figures (analysts only read them)."""
    county = get_object_or_404(County, slug=slug)
    if is_county_admin(request.user, county):
        return county, True
    if Role.ANALYST in roles_in(request.user, county):
        return county, False
    raise PermissionDenied


@login_required
def figures(request: HttpRequest, county_slug: str) -> HttpResponse:
    county, may_change = _county(request, county_slug)
    if request.method == "POST" and not may_change:
        raise PermissionDenied
    form = YearbookFigureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            figure = services.record_figure(actor=request.user, county=county, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(indicator)s %(year)s saved.")
                % {"indicator": figure.get_indicator_display(), "year": figure.year},
            )
            return redirect("impact:figures", county.slug)
    context = {
        "county": county,
        "may_change": may_change,
        "years": selectors.figures_by_year(county),
        "form": form,
        "import_form": FigureImportForm(),
        "columns": services.IMPORT_COLUMNS,
    }
    return render(request, "impact/figures.html", context, status=400 if form.errors else 200)


@login_required
def import_figures(request: HttpRequest, county_slug: str) -> HttpResponse:
    county, may_change = _county(request, county_slug)
    if not may_change:
        raise PermissionDenied
    form = FigureImportForm(request.POST or None, request.FILES or None)
    errors: list[services.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = services.read_figure_rows(upload.file, upload.name)
            count = services.import_figures(actor=request.user, county=county, rows=rows)
        except services.ImportRejectedError as rejected:
            errors = rejected.errors
        else:
            messages.success(request, _("%(count)d figures imported.") % {"count": count})
            return redirect("impact:figures", county.slug)
    context = {"county": county, "form": form, "errors": errors, "columns": services.IMPORT_COLUMNS}
    status = 400 if errors or form.errors else 200
    return render(request, "impact/import.html", context, status=status)


@login_required
def accounts(request: HttpRequest, county_slug: str) -> HttpResponse:
    """The platform's part in Y = C + I + G + NX for a year, beside the yearbook proxies."""
    county, _may_change = _county(request, county_slug)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year - 1))
    except ValueError:
        year = this_year - 1
    year = min(max(year, 2000), this_year)
    page = county_accounts(county, year)
    context = {
        "county": county,
        "page": page,
        "chart": components_svg(page.platform),
        "years": list(range(this_year, this_year - 10, -1)),
    }
    return render(request, "impact/accounts.html", context)
