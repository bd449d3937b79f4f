"""The household income panel and poverty page, and its CSV export (issue 15).

Same readers as the county accounts page (county administrators and analysts); household names
only for those who may see households (core.permissions.may_see_households), a pseudonym else.
"""

from __future__ import annotations

import csv
import io
import math
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from countyhub.core.permissions import may_see_households
from countyhub.core.spreadsheets import SafeCsvWriter
from countyhub.impact import income, subgroups
from countyhub.impact.income_charts import grouped_bars_svg
from countyhub.impact.views import _county


def _rule(request: HttpRequest) -> tuple[income.AttributionRule, str]:
    """The attribution share from ``?share=`` (percent, 0-100), or the default with why."""
    raw = request.GET.get("share", "").strip()
    if not raw:
        return income.AttributionRule(), ""
    try:
        return income.AttributionRule(Decimal(raw)), ""
    except (InvalidOperation, ValueError):
        message = _("share: “%(value)s” is not a percentage from 0 to 100; 100 is used.") % {
            "value": raw
        }
        return income.AttributionRule(), message


def _int(request: HttpRequest, name: str) -> int | None:
    try:
        return int(request.GET.get(name, ""))
    except ValueError:
        return None


def _panel(request: HttpRequest, county) -> tuple[income.IncomePanel, str]:
    rule, error = _rule(request)
    base_year = _int(request, "base_year")
    cpi = income.county_cpi(county, income.panel_years(county))
    if base_year is not None and base_year not in cpi.levels:
        error = (error + " " if error else "") + _(
            "base year: %(year)s is not covered by the CPI (%(coverage)s); the default is used."
        ) % {"year": base_year, "coverage": cpi.coverage()}
        base_year = None
    return income.income_panel(county, rule=rule, base_year=base_year, cpi=cpi), error


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else None


@login_required
def income_page(request: HttpRequest, county_slug: str) -> HttpResponse:
    county, _may_change = _county(request, county_slug)
    personal = may_see_households(request.user, county)
    panel, error = _panel(request, county)
    official = income.line_series(panel.years, income.OFFICIAL, cpi=panel.cpi)
    indexed = income.line_series(panel.years, income.CPI_INDEXED, cpi=panel.cpi)
    year = _int(request, "year")
    if year not in panel.years:
        year = panel.years[-1] if panel.years else None
    households = [
        (row.head_name if personal else income.pseudonym(county, row.household_id), row)
        for row in panel.rows
        if row.year == year
    ]
    official_rows = income.poverty_rows(panel, official)
    indexed_rows = income.poverty_rows(panel, indexed)
    frame = panel.frame()
    years = [str(y) for y in panel.years]
    means = {
        group: [
            _mean(
                frame[(frame["year"] == y) & (frame["group"] == group)][
                    "income_per_capita"
                ].tolist()
            )
            for y in panel.years
        ]
        for group in (income.GROUP_POOR, income.GROUP_OTHERS)
    }
    series_names = (_("registered poor"), _("others"))
    income_title = _("Recorded income per person, mean by year (yuan)")
    income_chart = grouped_bars_svg(
        income_title,
        years,
        list(zip(series_names, means.values(), strict=True)),
        unit=" " + _("yuan"),
        chart_id="income-chart-title",
    )
    headcount_charts = []
    for series, rows, chart_id in (
        (official, official_rows, "headcount-official"),
        (indexed, indexed_rows, "headcount-cpi"),
    ):
        values = {
            group: [_headcount(rows, y, group) for y in panel.years]
            for group in (income.GROUP_POOR, income.GROUP_OTHERS)
        }
        if any(v is not None for vs in values.values() for v in vs):
            title = _("Headcount ratio (%%), %(line)s") % {"line": series.label}
            chart = grouped_bars_svg(
                title,
                years,
                list(zip(series_names, values.values(), strict=True)),
                unit=" %",
                chart_id=chart_id,
            )
            headcount_charts.append((title, chart))
    context = {
        "county": county,
        "panel": panel,
        "error": error,
        "personal": personal,
        "year": year,
        "households": households,
        "lines": [
            (series, _county_rows(rows))
            for series, rows in ((official, official_rows), (indexed, indexed_rows))
        ],
        "village_lines": [
            (series, [r for r in rows if r.village and r.year == year])
            for series, rows in ((official, official_rows), (indexed, indexed_rows))
        ],
        "breakdowns": (
            subgroups.breakdowns(panel, year, chart_prefix="income") if year is not None else []
        ),
        "surveyed_households": panel.surveyed_households(year) if year is not None else 0,
        "surveyed_years": sorted(panel.surveyed_years),
        "exits": income.exits(panel, official, indexed),
        "exits_outside": income.exits_outside_panel(panel),
        "income_chart": income_chart,
        "income_title": income_title,
        "headcount_charts": headcount_charts,
        "real_note": panel.real_note(),
        "share": request.GET.get("share", ""),
        "base_years": sorted(panel.cpi.levels, reverse=True),
        "unattributed": sorted(panel.unattributed_sales.items()),
        "firm_payouts": sorted(panel.firm_payouts.items()),
    }
    return render(request, "impact/income.html", context, status=400 if error else 200)


def _county_rows(rows: list[income.PovertyRow]) -> list[income.PovertyRow]:
    """The county's rows; a year without a line is one row saying why, not one per group."""
    return [
        r for r in rows if not r.village and (r.line is not None or r.group == income.GROUP_ALL)
    ]


def _headcount(rows: list[income.PovertyRow], year: int, group: str) -> float | None:
    for row in rows:
        if row.year == year and row.group == group and not row.village and row.measures:
            value = row.measures.get("headcount")
            return None if value is None else value * 100
    return None


@login_required
def income_csv(request: HttpRequest, county_slug: str) -> HttpResponse:
    """The panel as CSV; household ids only for those who may see households, and not when
    ``?pseudonymous=1`` asks for a file to hand on."""
    county, _may_change = _county(request, county_slug)
    personal = may_see_households(request.user, county) and not request.GET.get("pseudonymous")
    panel, _error = _panel(request, county)
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel and WPS read UTF-8 only with its byte-order mark
    writer = SafeCsvWriter(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerows(income.csv_rows(panel, personal=personal))
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="income-panel-{county.slug}.csv"'
    return response
