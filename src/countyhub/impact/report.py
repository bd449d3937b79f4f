"""The county's annual impact report: one year's figures assembled from what the platform
already computes (issue 15), for the page and the PDF alike.

Every figure says how it was computed and from which records, with counts; a figure that cannot
be computed carries the reason instead of a value (never a zero standing in for "unknown").
Nothing is computed twice: sales follow the KPI dashboard's definitions (shop.selectors.sales,
SellerHousehold links), income and poverty are the household income panel (impact.income), the
survey results and the program evaluation are the latest stored runs with their own
presentation, the county accounts are impact.accounts, the training outcomes are
training.outcomes; only trace coverage is counted here (sold order lines with a batch shipment).
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from countyhub.analyses.models import AnalysisKind, AnalysisRun
from countyhub.analyses.presentation import present
from countyhub.catalog.models import SellerHousehold
from countyhub.core.models import County, JobStatus
from countyhub.core.money import format_money, quantize_cny
from countyhub.core.routers import replica_reads
from countyhub.impact import income, living_costs, subgroups
from countyhub.impact.accounts import county_accounts
from countyhub.impact.charts import components_svg
from countyhub.impact.income_charts import grouped_bars_svg
from countyhub.impact.models import EvaluationRun
from countyhub.impact.panel_forms import covariates_label, outcome_label
from countyhub.impact.panel_presentation import present_evaluation
from countyhub.shop import selectors as shop_selectors
from countyhub.shop.models import OrderLine
from countyhub.trace.models import Batch, BatchShipment
from countyhub.training.outcomes import training_outcomes

ZERO = Decimal("0.00")


@dataclass
class Figure:
    """One number of the report: its value as printed, or why there is none, and how."""

    label: str
    value: str = ""
    how: str = ""
    why_not: str = ""

    @property
    def computed(self) -> bool:
        return not self.why_not


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Bars:
    """A chart the PDF draws itself: one group of bars per category, one bar per series; a
    missing value is no bar."""

    title: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    unit: str = ""


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    charts: list[tuple[str, SafeString]] = field(default_factory=list)  # (caption, SVG)
    bars: list[Bars] = field(default_factory=list)
    why_not: str = ""  # the whole section cannot be computed


@dataclass
class ImpactReport:
    county: County
    year: int
    as_of: datetime.date
    sections: list[Section]


def _money(amount: Decimal) -> str:
    return format_money(quantize_cny(amount))


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}% ({part}/{whole})"


def _year_bounds(county: County, year: int) -> tuple[datetime.datetime, datetime.datetime]:
    zone = county.zone
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    return start, datetime.datetime(year + 1, 1, 1, tzinfo=zone)


@replica_reads
def impact_report(county: County, year: int, *, today: datetime.date | None = None) -> ImpactReport:
    today = today or timezone.localdate()
    as_of = min(datetime.date(year, 12, 31), today)
    sections = [
        _sales(county, year),
        _income(county, year),
        _living_costs(county, year),
        _survey(county),
        _evaluation(county),
        _accounts(county, year),
        _training(county, as_of),
        _trace(county, year),
    ]
    return ImpactReport(county, year, as_of, sections)


# --- sales and participation ---------------------------------------------------------------------


def _sales(county: County, year: int) -> Section:
    section = Section("sales", _("Sales and participation"))
    start, end = _year_bounds(county, year)
    orders = shop_selectors.sales(county=county).filter(placed_at__gte=start, placed_at__lt=end)
    totals = orders.aggregate(n=Count("pk"), net=Sum(shop_selectors.NET_TOTAL))
    count = totals["n"]
    source = _(
        "%(n)d orders of %(year)s that count as sales (not cancelled, refunded or returned)"
    ) % {"n": count, "year": year}
    section.figures.append(
        Figure(
            _("Online sales (net)"),
            _money(totals["net"] or ZERO),
            _("sum of order totals less shipping and refunds; from %(source)s")
            % {"source": source},
        )
    )
    section.figures.append(Figure(_("Orders"), str(count), source))
    sellers = orders.values("seller_id").distinct()
    seller_count = sellers.count()
    section.figures.append(
        Figure(
            _("Active sellers"),
            str(seller_count),
            _("sellers with at least one of these orders"),
        )
    )
    links = SellerHousehold.objects.filter(household__county=county, seller_id__in=sellers)
    households = links.values("household_id").distinct().count()
    poor = links.filter(household__registered_poor=True).values("household_id").distinct().count()
    how = _(
        "households the active sellers employ or buy from (%(links)d seller–household links "
        "recorded), as on the KPI dashboard"
    ) % {"links": links.count()}
    section.figures.append(Figure(_("Households taking part"), str(households), how))
    section.figures.append(Figure(_("Registered-poor households reached"), str(poor), how))
    return section


# --- income and poverty --------------------------------------------------------------------------


def _mean(values: list[float]) -> float | None:
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else None


def _income(county: County, year: int) -> Section:
    section = Section("income", _("Household income and poverty"))
    years = [y for y in income.panel_years(county) if y <= year]
    if year not in years:
        section.why_not = _(
            "no sale or payout of the county is recorded in %(year)s, so the household income "
            "panel has no year %(year)s"
        ) % {"year": year}
        return section
    panel = income.income_panel(county, years=years, cpi=income.county_cpi(county, years))
    rows = [r for r in panel.rows if r.year == year]
    if not rows:
        section.why_not = _("the county has no registered households")
        return section
    section.sentences.append(_("Attribution rule") + ": " + panel.rule.describe())
    section.sentences.append(panel.real_note())
    frame = panel.frame()
    current = frame[frame["year"] == year]
    for group, label in (
        (income.GROUP_POOR, _("Mean recorded income per person, registered-poor households")),
        (income.GROUP_OTHERS, _("Mean recorded income per person, other households")),
    ):
        part = current[current["group"] == group]
        value = _mean(part["income_per_capita"].tolist())
        how = _(
            "platform income, incentive payouts and training allowances of %(year)s divided by "
            "members; mean over %(n)d households with members"
        ) % {"year": year, "n": int(part["income_per_capita"].notna().sum())}
        if value is None:
            section.figures.append(
                Figure(label, how=how, why_not=_("no household of this group has members"))
            )
        else:
            section.figures.append(Figure(label, _money(Decimal(f"{value:.2f}")), how))
    official = income.line_series(panel.years, income.OFFICIAL, cpi=panel.cpi)
    indexed = income.line_series(panel.years, income.CPI_INDEXED, cpi=panel.cpi)
    for series, label in (
        (official, _("Headcount ratio, official poverty line")),
        (indexed, _("Headcount ratio, CPI-indexed line (not official)")),
    ):
        section.figures.append(_headcount(panel, series, year, label))
    exits = income.exits(panel, official, indexed)
    lifted = sum(1 for e in exits if e.platform_lifts_official)
    section.figures.append(
        Figure(
            _("Registered-poor households that exited poverty this year"),
            str(len(exits)),
            _("%(lifted)d of them with platform income alone at or above the official line")
            % {"lifted": lifted},
        )
    )
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
    names = (_("registered poor"), _("others"))
    title = _("Recorded income per person, mean by year (yuan)")
    series = list(zip(names, means.values(), strict=True))
    categories = [str(y) for y in panel.years]
    section.charts.append(
        (
            title,
            grouped_bars_svg(
                title, categories, series, unit=" " + _("yuan"), chart_id="report-income-chart"
            ),
        )
    )
    section.bars.append(Bars(title, categories, series))
    _surveyed(section, panel, year)
    _subgroups(section, panel, year)
    return section


def _headcount(
    panel: income.IncomePanel, series: income.LineSeries, year: int, label: str
) -> Figure:
    for row in income.poverty_rows(panel, series):
        if row.year != year or row.village or row.group != income.GROUP_ALL:
            continue
        if row.line is None or not row.measures or row.measures.get("headcount") is None:
            return Figure(label, why_not=row.reason or _("no household"))
        how = _(
            "share of people below %(line)s yuan per person, weighted by members; "
            "%(n)d households, %(poor)d below the line"
        ) % {
            "line": f"{row.line.yuan:,.0f}",
            "n": row.measures["n"],
            "poor": row.measures["poor"],
        }
        if series.method == income.CPI_INDEXED:
            how += "; " + series.label + ", " + panel.cpi_label
        return Figure(label, f"{100 * row.measures['headcount']:.1f}%", how)
    return Figure(label, why_not=_("no household"))


def _surveyed(section: Section, panel: income.IncomePanel, year: int) -> None:
    if panel.surveyed_years:
        covered = _("the county's surveys have household incomes of %(years)s") % {
            "years": ", ".join(str(y) for y in sorted(panel.surveyed_years))
        }
    else:
        covered = _("no survey of the county asks the household income yet")
    section.figures.append(
        Figure(
            _("Households with a surveyed income"),
            str(panel.surveyed_households(year)),
            _(
                "registered households whose answer to a survey's household income question "
                "is of %(year)s; shown beside recorded income, never added to it; %(covered)s"
            )
            % {"year": year, "covered": covered},
        )
    )


def _subgroups(section: Section, panel: income.IncomePanel, year: int) -> None:
    """Every income effect of the year by registered-poor status, the head's age and the
    village's distance to the county seat (impact.subgroups)."""
    for breakdown in subgroups.breakdowns(panel, year, chart_prefix="report"):
        section.tables.append(
            Table(
                f"{breakdown.title}, {year}",
                breakdown.columns,
                breakdown.rows,
                note=" ".join(
                    part
                    for part in (
                        _(
                            "Mean income per person over the households of each group "
                            "(unweighted); the differences below carry Welch intervals "
                            "(confidence 95%)."
                        ),
                        breakdown.ungrouped,
                    )
                    if part
                ),
            )
        )
        section.sentences.extend(breakdown.sentences)
        section.charts.append((breakdown.chart_title, breakdown.chart))
        section.bars.append(Bars(breakdown.chart_title, breakdown.categories, breakdown.series))


# --- what households pay ------------------------------------------------------------------------


def _living_costs(county: County, year: int) -> Section:
    section = Section("living_costs", _("What villagers pay"))
    result = living_costs.living_costs(county, [year])
    summary = result.by_year[year]
    section.sentences.extend(living_costs.method_sentences())
    if summary.why_not and not summary.lines:
        section.why_not = summary.why_not
        return section
    index = summary.index
    label = _("Price index, platform against county (county = 100)")
    if summary.why_not:
        section.figures.append(Figure(label, why_not=summary.why_not))
    else:
        section.figures.append(
            Figure(
                label,
                f"{index.value:.1f}",
                _(
                    "%(items)d items, %(compared)d of %(lines)d station order lines of %(year)d "
                    "with a county price in their unit; basket: the quantities bought through "
                    "the stations (Paasche form)"
                )
                % {
                    "items": index.items,
                    "compared": summary.compared,
                    "lines": summary.lines,
                    "year": year,
                },
            )
        )
    saving = summary.saving
    label = _("Mean price difference per order line, platform against county")
    if summary.why_not:
        section.figures.append(Figure(label, why_not=summary.why_not))
    elif not saving.has_interval:
        section.figures.append(
            Figure(
                label,
                f"{saving.mean:+.1f}%",
                summary.saving_sentence(),
            )
        )
    else:
        section.figures.append(
            Figure(
                label,
                f"{saving.mean:+.1f}% (95%: {saving.ci_low:+.1f}% … {saving.ci_high:+.1f}%)",
                summary.saving_sentence(),
            )
        )
    rows = result.prices_of(year)
    if rows:
        section.tables.append(
            Table(
                _("Prices paid through the stations against the county's prices, %(year)d")
                % {"year": year},
                [
                    _("item"),
                    _("unit"),
                    _("paid on the platform"),
                    _("county price"),
                    _("difference"),
                    _("difference (%)"),
                    _("order lines"),
                ],
                [
                    [
                        row.item + (f" ({_('category')})" if row.by_category else ""),
                        row.unit_label,
                        _money(row.platform_price),
                        _money(row.reference_price),
                        _money(row.difference_yuan),
                        f"{row.difference_percent:+.1f}",
                        str(row.lines),
                    ]
                    for row in rows
                ],
                _("County price: the mean of the places observed; %(n)d reference prices entered.")
                % {"n": summary.references},
            )
        )
        section.bars.append(
            Bars(
                _("Price difference, platform against county (%)"),
                [row.item for row in rows],
                [(_("difference"), [row.difference_percent for row in rows])],
            )
        )
    for missing in result.uncompared_of(year):
        section.sentences.append(
            _("%(category)s: %(lines)d order lines (%(amount)s) not compared: %(why)s.")
            % {
                "category": missing.category,
                "lines": missing.lines,
                "amount": _money(missing.amount),
                "why": _("a county price only in another unit")
                if missing.other_unit
                else _("no county price entered"),
            }
        )
    villages = result.villages_of(year)
    section.tables.append(
        Table(
            _("Consumption through the stations, %(year)d") % {"year": year},
            [
                _("village"),
                _("orders"),
                _("spent"),
                _("per household"),
                _("per person"),
                _("registered poor, per household"),
                _("others, per household"),
                _("not linked to a household"),
            ],
            [
                [
                    row.village,
                    str(row.all.orders),
                    _money(row.all.spending),
                    _optional(row.all.per_household),
                    _optional(row.all.per_person),
                    _optional(row.poor.per_household),
                    _optional(row.others.per_household),
                    _money(row.unlinked_spending),
                ]
                for row in villages
            ],
            _(
                "Net of refunds, goods only; registered-poor households against the others from "
                "the orders station operators placed for a registered household only."
            ),
        )
    )
    return section


def _optional(amount: Decimal | None) -> str:
    return "—" if amount is None else _money(amount)


# --- survey results ------------------------------------------------------------------------------


def _latest_run(county: County, kind: str) -> AnalysisRun | None:
    return (
        AnalysisRun.objects.filter(county=county, kind=kind, job__status=JobStatus.SUCCEEDED)
        .order_by("-created_at", "-pk")
        .first()
    )


def _survey(county: County) -> Section:
    section = Section("survey", _("Survey results"))
    before_after = _latest_run(county, AnalysisKind.BEFORE_AFTER)
    pls = _latest_run(county, AnalysisKind.PLS_SEM)
    if before_after is None and pls is None:
        section.why_not = _(
            "no before/after or PLS-SEM analysis of a survey has been run to completion for "
            "this county"
        )
        return section
    for run, keep in ((before_after, None), (pls, _("Reliability and convergent validity"))):
        if run is None:
            continue
        shown = present(run.kind, run.results)
        section.sentences.append(
            _("%(kind)s run #%(id)d of %(day)s on %(source)s (seed %(seed)s)")
            % {
                "kind": run.get_kind_display(),
                "id": run.pk,
                "day": run.created_at.date(),
                "source": run.source_name,
                "seed": run.seed,
            }
        )
        for table in shown.tables:
            if keep is None or table.title == keep:
                section.tables.append(Table(table.title, table.columns, table.rows, table.note))
        section.sentences.extend(shown.sentences if keep is None else [])
        if run.kind == AnalysisKind.PLS_SEM:
            if run.diagram_svg:
                section.charts.append((_("Path diagram"), mark_safe(run.diagram_svg)))
            paths = run.results.get("paths") or {}
            if paths:
                section.bars.append(
                    Bars(
                        _("Structural path coefficients"),
                        list(paths),
                        [(_("coefficient"), [float(v) for v in paths.values()])],
                    )
                )
    return section


# --- program evaluation --------------------------------------------------------------------------


def _evaluation(county: County) -> Section:
    section = Section("evaluation", _("Program evaluation"))
    run = (
        EvaluationRun.objects.filter(county=county, job__status=JobStatus.SUCCEEDED)
        .order_by("-created_at", "-pk")
        .first()
    )
    if run is None:
        section.why_not = _(
            "no program evaluation (difference-in-differences) has been run to completion for "
            "this county"
        )
        return section
    shown = present_evaluation(run.results)
    values = {
        "id": run.pk,
        "day": run.created_at.date(),
        "units": run.get_level_display(),
        "rollout": run.get_rollout_display(),
        "outcome": outcome_label(run.outcome),
        "control": run.get_control_display(),
    }
    if run.covariates:
        section.sentences.append(
            _(
                "DiD #%(id)d of %(day)s: %(units)s, %(rollout)s, outcome %(outcome)s, "
                "%(control)s, conditioned on %(covariates)s (%(method)s, base-period values)"
            )
            % {
                **values,
                "covariates": covariates_label(run.covariates),
                "method": run.get_method_display(),
            }
        )
    else:
        section.sentences.append(
            _(
                "DiD #%(id)d of %(day)s: %(units)s, %(rollout)s, outcome %(outcome)s, "
                "%(control)s, without covariates"
            )
            % values
        )
    section.tables.extend(
        Table(t.title, t.columns, t.rows, t.note) for t in shown.tables if t.key == "overall"
    )
    section.sentences.extend(shown.sentences)
    if shown.staggered_warning:
        section.sentences.append(shown.staggered_warning)
    if run.figure_svg:
        section.charts.append((_("Event study"), mark_safe(run.figure_svg)))
    event = run.results.get("event_time") or {}
    if event:
        section.bars.append(
            Bars(
                _("Event study (years since treatment; negative: before)"),
                [str(e) for e in event],
                [(_("effect"), [est.get("att") for est in event.values()])],
            )
        )
    return section


# --- county accounts -----------------------------------------------------------------------------


def _accounts(county: County, year: int) -> Section:
    section = Section("accounts", _("County accounts"))
    page = county_accounts(county, year)
    platform = page.platform
    section.figures.append(
        Figure(
            _("Platform Y = C + I + G + NX"),
            _money(platform["Y"]),
            _("the platform's flows of %(year)s attributed by rules R1–R10") % {"year": year},
        )
    )
    for row in page.rows:
        section.figures.append(Figure(row.component, _money(row.platform), row.proxy_label))
    label = _("Inter-county net exports and statistical discrepancy")
    how = _(
        "GDP − (retail sales + fixed-asset investment + budget expenditure + exports − imports)"
    )
    if page.residual is None:
        section.figures.append(
            Figure(
                label,
                how=how,
                why_not=_("not entered: %(figures)s")
                % {"figures": ", ".join(page.residual_missing)},
            )
        )
    else:
        section.figures.append(Figure(label, _money(page.residual), how))
    section.sentences.extend(str(line) for line in page.report.lines())
    section.charts.append(
        (_("C, I, G and X add; imports M subtract; Y is the sum."), components_svg(platform))
    )
    names = ["C", "I", "G", "X", "-M", "Y"]  # ASCII minus: the CJK font has no U+2212
    values = [
        platform["C"],
        platform["I"],
        platform["G"],
        platform["X"],
        -platform["M"],
        platform["Y"],
    ]
    section.bars.append(
        Bars(
            _("The platform's part in Y (yuan)"),
            names,
            [(_("platform"), [float(v) for v in values])],
        )
    )
    return section


# --- training ------------------------------------------------------------------------------------


def _training(county: County, as_of: datetime.date) -> Section:
    section = Section("training", _("Training outcomes"))
    result = training_outcomes(county=county, today=as_of)
    trained, untrained = result.trained, result.untrained
    if not trained.people:
        section.why_not = _(
            "no certificate of a course of this county had been issued by %(day)s"
        ) % {"day": as_of}
        return section
    how = _(
        "certified trainees by %(day)s (%(n)d certificates) whose sellers had an order after "
        "the course"
    ) % {"day": as_of, "n": len(result.trainees)}
    section.figures.append(
        Figure(_("Trainees selling online"), _share(trained.selling, trained.people), how)
    )
    if untrained.people:
        section.figures.append(
            Figure(
                _("Sellers without trained people, selling"),
                _share(untrained.selling, untrained.people),
                _("the comparison group"),
            )
        )
    else:
        section.figures.append(
            Figure(
                _("Sellers without trained people, selling"),
                why_not=_("every seller has a trained person: there is no comparison group"),
            )
        )
    section.tables.append(
        Table(
            _("Sales after the course, mean per person"),
            ["", _("people"), _("selling"), _("6 months"), _("12 months")],
            [
                [
                    g.label,
                    str(g.people),
                    str(g.selling),
                    _money(g.mean_sales_6_months),
                    _money(g.mean_sales_12_months),
                ]
                for g in (trained, untrained)
            ],
        )
    )
    return section


# --- trace coverage ------------------------------------------------------------------------------


def _trace(county: County, year: int) -> Section:
    section = Section("trace", _("Trace coverage"))
    start, end = _year_bounds(county, year)
    lines = OrderLine.objects.filter(
        order__in=shop_selectors.sales(county=county).filter(
            placed_at__gte=start, placed_at__lt=end
        )
    )
    total = lines.count()
    if not total:
        section.why_not = _("no order line was sold in %(year)s") % {"year": year}
        return section
    traced = BatchShipment.objects.filter(order_line__in=lines).values("order_line_id").distinct()
    section.figures.append(
        Figure(
            _("Sold order lines shipped from a traced batch"),
            _share(traced.count(), total),
            _("order lines of %(year)s's sales with a recorded batch shipment") % {"year": year},
        )
    )
    products = lines.values("product_id").distinct()
    with_batches = Batch.objects.filter(county=county, product_id__in=products)
    section.figures.append(
        Figure(
            _("Products sold that have traced batches"),
            _share(with_batches.values("product_id").distinct().count(), products.count()),
            _("distinct products sold in %(year)s with at least one batch recorded")
            % {"year": year},
        )
    )
    return section
