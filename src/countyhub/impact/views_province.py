"""The province view of the impact pages: the province's counties side by side for a year, with
their demonstration designation, chosen yearbook figures and the platform's sales.

Who sees it: the county's administrators and analysts (their county's province), the officials
of the county's province, and superusers. Aggregates only, nothing personal."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from countyhub.core.models import County, Role
from countyhub.core.permissions import is_county_admin, province_county_ids, roles_in
from countyhub.impact import selectors
from countyhub.impact.charts import county_bars_svg
from countyhub.impact.models import FigureUnit, Indicator, YearbookFigure, allowed_units

MAX_CHARTS = 4


def _county_staff(user: object, county: County) -> bool:
    """Administrators and analysts of the county: they also reach its other impact pages."""
    return is_county_admin(user, county) or Role.ANALYST in roles_in(user, county)


def may_compare(user: object, county: County) -> bool:
    if _county_staff(user, county):
        return True
    officials_of = province_county_ids(user)  # None: a superuser (county staff above)
    return officials_of is not None and county.pk in officials_of


def _base(figure: YearbookFigure | None) -> Decimal | None:
    return None if figure is None else figure.base_value


@login_required
def province(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = get_object_or_404(County.objects.select_related("province"), slug=county_slug)
    if not may_compare(request.user, county):
        raise PermissionDenied
    counties = selectors.province_counties(county)
    years = selectors.province_figure_years(counties)
    latest = years[0] if years else timezone.localdate().year - 1
    try:
        year = int(request.GET.get("year", latest))
    except ValueError:
        year = latest
    year = min(max(year, 1949), 2100)  # a yearbook figure's years
    indicators = [code for code in request.GET.getlist("indicator") if code in Indicator.values]
    indicators = indicators or list(selectors.PROVINCE_DEFAULT_INDICATORS)
    rows = selectors.province_comparison(counties, year=year, indicators=indicators)
    labels = [str(Indicator(code).label) for code in indicators]
    charts = [
        county_bars_svg(
            f"{label} {year}",
            [
                (row.county.name, _base(row.figures[index]), row.designated is not None)
                for row in rows
            ],
            chart_id=f"province-chart-{indicators[index]}",
        )
        for index, label in enumerate(labels[:MAX_CHARTS])
    ]
    context = {
        "county": county,
        "province": county.province,
        "year": year,
        "years": years or [latest],
        "indicators": indicators,
        "choices": Indicator.choices,
        "county_staff": _county_staff(request.user, county),
        "rows": rows,
        "charts": list(zip(labels, charts, strict=False)),
        "designated": sum(1 for row in rows if row.designated is not None),
        "columns": [
            (label, FigureUnit(allowed_units(code)[0]).label)
            for label, code in zip(labels, indicators, strict=True)
        ],
        "sources": sorted(
            {(f.source, f.shown_definition) for row in rows for f in row.figures if f is not None}
        ),
    }
    return render(request, "impact/province.html", context)
