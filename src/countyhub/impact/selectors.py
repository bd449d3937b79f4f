"""Reading yearbook figures, one county's or a province's counties side by side."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Sum

from countyhub.catalog.models import Seller
from countyhub.core.models import County
from countyhub.impact.models import Indicator, YearbookFigure
from countyhub.programs.models import Program, ProgramLevel
from countyhub.shop import selectors as shop_selectors
from countyhub.shop.selectors import NET_TOTAL

CENT = Decimal("0.01")


def figures_by_year(county: County) -> list[tuple[int, list[tuple[str, YearbookFigure | None]]]]:
    """The county's figures, newest year first: every indicator's label and figure (or None)."""
    years: dict[int, dict[str, YearbookFigure]] = defaultdict(dict)
    for figure in YearbookFigure.objects.filter(county=county):
        years[figure.year][figure.indicator] = figure
    return [
        (year, [(str(label), years[year].get(code)) for code, label in Indicator.choices])
        for year in sorted(years, reverse=True)
    ]


# The figures the province view shows when none are chosen.
PROVINCE_DEFAULT_INDICATORS = (
    Indicator.RURAL_DISPOSABLE_INCOME,
    Indicator.RETAIL_SALES,
    Indicator.GDP,
)


@dataclass(frozen=True)
class ProvinceCounty:
    """One county of the province view: its designation, its figures of the year (None: not
    entered) and the platform's net sales of the year (None: no seller on countyhub)."""

    county: County
    designated: int | None
    figures: list[YearbookFigure | None]
    platform_sales: Decimal | None


def province_counties(county: County) -> list[County]:
    """The counties compared with ``county``: its province's (as the county DiD panel takes
    them), or the county alone when it belongs to no province."""
    if county.province_id is None:
        return [county]
    return list(County.objects.filter(province=county.province_id).order_by("name", "pk"))


def province_figure_years(counties: list[County]) -> list[int]:
    """Years with a yearbook figure of any of the counties, newest first."""
    return list(
        YearbookFigure.objects.filter(county__in=counties)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


def province_comparison(
    counties: list[County], *, year: int, indicators: list[str]
) -> list[ProvinceCounty]:
    """The counties side by side for a year (aggregates only, nothing personal)."""
    designated = dict(
        Program.objects.filter(county__in=counties, level=ProgramLevel.NATIONAL)
        .values_list("county_id")
        .annotate(first=Min("designation_year"))
        .order_by()
    )
    figures = {
        (figure.county_id, figure.indicator): figure
        for figure in YearbookFigure.objects.filter(
            county__in=counties, year=year, indicator__in=indicators
        )
    }
    on_platform = set(
        Seller.objects.filter(county__in=counties).values_list("county_id", flat=True).distinct()
    )
    # The dashboard's online sales (programs.kpis): orders placed in the year, net of shipping
    # and refunds.
    sales = dict(
        shop_selectors.sales()
        .filter(county__in=counties, placed_at__year=year)
        .values_list("county_id")
        .annotate(total=Sum(NET_TOTAL))
        .order_by()
    )
    return [
        ProvinceCounty(
            county=unit,
            designated=designated.get(unit.pk),
            figures=[figures.get((unit.pk, code)) for code in indicators],
            platform_sales=(
                Decimal(sales.get(unit.pk) or 0).quantize(CENT) if unit.pk in on_platform else None
            ),
        )
        for unit in counties
    ]
