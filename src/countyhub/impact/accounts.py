"""The county accounts page: the platform's C, I, G, X, M beside the yearbook proxies, with the
residual line "inter-county net exports and statistical discrepancy" always printed.

The platform's part comes from one streaming pass of the flows table (impact.flows) through the
pure engine (analysis.accounts), for the year and the year before (growth contributions use the
previous year's platform Y as denominator, notes/surveys.md §4.4). The residual is
GDP - (retail sales + fixed-asset investment + budget expenditure + exports - imports), the
researchers' reconstruction (§3.3); when a figure is missing the line says which, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from countyhub.analysis.accounts import AccountsResults, CountyAccounts, contributions
from countyhub.analysis.deflate import national_rural_cpi
from countyhub.analysis.errors import AnalysisError
from countyhub.core.models import County
from countyhub.core.routers import replica_reads
from countyhub.impact.flows import FlowsReport, typed_flows
from countyhub.impact.models import Indicator, YearbookFigure

PARTS = ("C", "I", "G", "NX")
# Each platform component and the yearbook figure that stands for it (None: nothing published).
PROXIES = (
    ("C", Indicator.RETAIL_SALES),
    ("I", Indicator.FIXED_ASSET_INVESTMENT),
    ("G", Indicator.BUDGET_EXPENDITURE),
    ("X_domestic", None),
    ("X_foreign", Indicator.CUSTOMS_EXPORTS),
    ("M", Indicator.CUSTOMS_IMPORTS),
)


@dataclass(frozen=True)
class Row:
    component: str
    platform: Decimal
    proxy: YearbookFigure | None
    proxy_label: str
    share_percent: Decimal | None
    contribution_pp: Decimal | None


@dataclass
class CountyAccountsPage:
    year: int
    platform: AccountsResults
    previous: AccountsResults
    rows: list[Row]
    gdp: YearbookFigure | None
    residual: Decimal | None
    residual_missing: list[str]
    growth_percent: Decimal | None
    real_growth_percent: Decimal | None
    real_note: str
    platform_share_of_gdp: Decimal | None
    nx_share_percent: Decimal | None = None
    nx_contribution_pp: Decimal | None = None
    report: FlowsReport = field(default_factory=FlowsReport)


def _platform(county: County, year: int, report: FlowsReport) -> AccountsResults:
    # Typed flows straight into the engine: no CSV rows to write and parse back (the flows are
    # what parsing their rows would give: tests/impact/test_flows.py).
    return CountyAccounts(typed_flows(county, year, report=report), county=county.name).fit()


@replica_reads
def county_accounts(county: County, year: int) -> CountyAccountsPage:
    report = FlowsReport()
    current = _platform(county, year, report)
    previous = _platform(county, year - 1, FlowsReport())
    figures = {f.indicator: f for f in YearbookFigure.objects.filter(county=county, year=year)}
    growth, parts = contributions(previous.components, current.components, parts=PARTS)
    by_part = {p.component: p for p in parts}
    rows = []
    for component, indicator in PROXIES:
        part = by_part.get(component)
        rows.append(
            Row(
                component=component,
                platform=current[component],
                proxy=figures.get(indicator) if indicator else None,
                proxy_label=str(Indicator(indicator).label)
                if indicator
                else _("not measured anywhere: the platform's own figure is the only one"),
                share_percent=part.share_percent if part else None,
                contribution_pp=part.contribution_pp if part else None,
            )
        )
    needed = [
        Indicator.GDP,
        Indicator.RETAIL_SALES,
        Indicator.FIXED_ASSET_INVESTMENT,
        Indicator.BUDGET_EXPENDITURE,
        Indicator.CUSTOMS_EXPORTS,
        Indicator.CUSTOMS_IMPORTS,
    ]
    missing = [str(Indicator(i).label) for i in needed if i not in figures]
    residual = None
    if not missing:
        value = {i: figures[i].base_value for i in needed}
        residual = value[Indicator.GDP] - (
            value[Indicator.RETAIL_SALES]
            + value[Indicator.FIXED_ASSET_INVESTMENT]
            + value[Indicator.BUDGET_EXPENDITURE]
            + value[Indicator.CUSTOMS_EXPORTS]
            - value[Indicator.CUSTOMS_IMPORTS]
        )
    gdp = figures.get(Indicator.GDP)
    real_growth, real_note = _real_growth(current["Y"], previous["Y"], year)
    return CountyAccountsPage(
        year=year,
        platform=current,
        previous=previous,
        rows=rows,
        gdp=gdp,
        residual=residual,
        residual_missing=missing,
        growth_percent=growth,
        real_growth_percent=real_growth,
        real_note=real_note,
        platform_share_of_gdp=current["Y"] * 100 / gdp.base_value if gdp and gdp.value else None,
        nx_share_percent=by_part["NX"].share_percent,
        nx_contribution_pp=by_part["NX"].contribution_pp,
        report=report,
    )


def _real_growth(y1: Decimal, y0: Decimal, year: int) -> tuple[Decimal | None, str]:
    """Growth of the platform's Y at the previous year's prices, by the shipped rural CPI."""
    cpi = national_rural_cpi()
    try:
        factor = Decimal(str(cpi.factor(year=year, base_year=year - 1)))
    except AnalysisError as error:
        return None, str(error)
    note = _(
        "deflated by the national rural CPI (NBS, shipped with countyhub), %(year)s prices"
    ) % {"year": year - 1}
    if not y0:
        return None, note
    return (y1 * factor - y0) * 100 / y0, note
