"""Every income effect split by subgroup, for the income page and the annual report alike.

Economics notes §0: the one randomized study of village e-commerce found gains for a minority
(younger, richer, more remote households), so a county mean alone can hide who gains. For one
year of the household income panel, by registered-poor status, the head's age band and the
village's distance band (:data:`countyhub.impact.income.HEAD_AGE_BANDS`,
:data:`~countyhub.impact.income.DISTANCE_BANDS_KM`): the mean per-person income of each group
(recorded, its platform part, and surveyed where a survey has it), and each difference between
two groups with its Welch 95 % interval (:mod:`countyhub.analysis.groups`; households are the
units, unweighted). A group of fewer than two households shows no mean (a mean of one household
is that household's income) and no difference: it says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from countyhub.analysis.groups import (
    MIN_GROUP,
    NO_SPREAD,
    Difference,
    GroupComparison,
    GroupSummary,
    compare_groups,
)
from countyhub.core.money import format_money
from countyhub.impact import income
from countyhub.impact.income_charts import grouped_bars_svg

CONFIDENCE = 0.95
POVERTY, AGE, DISTANCE = "registered_poor", "age_band", "distance_band"


@dataclass
class Measure:
    column: str
    label: str  # in sentences and table headings
    short: str  # in chart legends


@dataclass
class Breakdown:
    """One split of the year's households: its groups, a comparison per measure, the
    sentences on each difference, and the chart of the means."""

    key: str
    title: str
    groups: list[tuple[str, str]]  # (key in the panel frame, label)
    measures: list[Measure]
    comparisons: list[GroupComparison]
    ungrouped: str = ""  # who is in no group, and why
    sentences: list[str] = field(default_factory=list)
    chart: SafeString = field(default_factory=SafeString)
    chart_title: str = ""
    categories: list[str] = field(default_factory=list)  # the groups' names under the bars
    series: list[tuple[str, list[float | None]]] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [_("group"), _("households (n)"), *(m.label for m in self.measures)]

    @property
    def rows(self) -> list[list[str]]:
        """The table: per group, its households with a recorded income and each mean (or why
        there is none)."""
        table = []
        for key, label in self.groups:
            summaries = [c.summary(key) for c in self.comparisons]
            means = [_mean_cell(summary.n, summary.mean) for summary in summaries]
            table.append([label, str(summaries[0].n), *means])
        return table


def _mean_cell(n: int, mean: float | None) -> str:
    if mean is None or n < MIN_GROUP:
        return ngettext(
            "no mean: %(n)d household (at least 2 needed)",
            "no mean: %(n)d households (at least 2 needed)",
            n,
        ) % {"n": n}
    return format_money(_yuan(mean))


def _yuan(value: float) -> Decimal:
    """A mean or difference rounded to the fen, for printing only."""
    return Decimal(f"{value:.2f}")


def measures(panel: income.IncomePanel, year: int) -> list[Measure]:
    """Recorded income and its platform part; surveyed income when a survey has any of the year."""
    found = [
        Measure("income_per_capita", _("recorded income per person"), _("recorded")),
        Measure("platform_per_capita", _("platform income per person"), _("platform")),
    ]
    if panel.surveyed_households(year):
        found.append(Measure("surveyed_per_capita", _("surveyed income per person"), _("surveyed")))
    return found


def _groups() -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (POVERTY, _("By registered-poor status"), [
            (income.GROUP_POOR, _("registered poor")),
            (income.GROUP_OTHERS, _("others")),
        ]),
        (AGE, _("By age of the household head"), [
            (band.key, str(income.BAND_LABELS[band.key])) for band in income.HEAD_AGE_BANDS
        ]),
        (DISTANCE, _("By the village's distance to the county seat"), [
            (band.key, str(income.BAND_LABELS[band.key])) for band in income.DISTANCE_BANDS_KM
        ]),
    ]  # fmt: skip


def breakdowns(panel: income.IncomePanel, year: int, *, chart_prefix: str) -> list[Breakdown]:
    """The three splits of ``year`` (a panel year), each with its sentences and chart."""
    frame = panel.frame()
    frame = frame[frame["year"] == year].copy()
    frame.attrs["source"] = "household income panel"
    frame[POVERTY] = frame["group"]
    chosen = measures(panel, year)
    result = []
    for key, title, groups in _groups():
        order = [g for g, _label in groups]
        comparisons = [
            compare_groups(frame, m.column, key, order, confidence=CONFIDENCE) for m in chosen
        ]
        breakdown = Breakdown(key, title, groups, chosen, comparisons)
        labels = dict(groups)
        for measure, comparison in zip(chosen, comparisons, strict=True):
            breakdown.sentences.extend(
                difference_sentence(measure, d, labels) for d in comparison.differences
            )
        breakdown.ungrouped = _ungrouped(key, comparisons[0].ungrouped)
        breakdown.series = [
            (m.short, [_chart_value(c.summary(g)) for g in order])
            for m, c in zip(chosen, comparisons, strict=True)
        ]
        breakdown.chart_title = _("%(title)s: mean income per person, %(year)s (yuan)") % {
            "title": title,
            "year": year,
        }
        breakdown.categories = [_short(g) for g in order]
        breakdown.chart = grouped_bars_svg(
            breakdown.chart_title,
            breakdown.categories,
            breakdown.series,
            unit=" " + _("yuan"),
            chart_id=f"{chart_prefix}-{key}",
        )
        result.append(breakdown)
    return result


def _chart_value(summary: GroupSummary) -> float | None:
    return summary.mean if summary.n >= MIN_GROUP else None


def _short(key: str) -> str:
    """A group's name under its bars: the band keys are short and ASCII (the PDF's CJK font has
    no en dash or ≥)."""
    if key == income.GROUP_POOR:
        return _("registered poor")
    if key == income.GROUP_OTHERS:
        return _("others")
    return key.replace("km", " km")


def _ungrouped(key: str, count: int) -> str:
    if not count or key == POVERTY:
        return ""
    if key == AGE:
        return ngettext(
            "%(n)d household has no head's birth year recorded and is in no age band.",
            "%(n)d households have no head's birth year recorded and are in no age band.",
            count,
        ) % {"n": count}
    return ngettext(
        "%(n)d household is in a village without a recorded distance and in no distance band.",
        "%(n)d households are in villages without a recorded distance and in no distance band.",
        count,
    ) % {"n": count}


def difference_sentence(measure: Measure, difference: Difference, labels: dict[str, str]) -> str:
    """One plain sentence on ``first - second``: its value and 95 % interval, and whether it
    can be told apart from zero; or why there is no number."""
    names = {
        "measure": measure.label,
        "first": labels[difference.first],
        "second": labels[difference.second],
    }
    if difference.estimate is None:
        # A group of one has no spread: no interval can be put around a difference with it.
        return _(
            "%(measure)s, %(first)s against %(second)s: no difference can be computed; each "
            "group needs at least 2 households with a value (%(first)s: %(n1)d, %(second)s: "
            "%(n2)d)."
        ) % {**names, "n1": difference.n_first, "n2": difference.n_second}
    amount = format_money(_yuan(difference.estimate))
    if difference.reason == NO_SPREAD:
        return _(
            "%(measure)s, %(first)s minus %(second)s: %(amount)s exactly; every household "
            "within each group has the same value, so there is no interval."
        ) % {**names, "amount": amount}
    values = {
        **names,
        "amount": amount,
        "low": format_money(_yuan(difference.low)),
        "high": format_money(_yuan(difference.high)),
        "n1": difference.n_first,
        "n2": difference.n_second,
    }
    if difference.distinguishable:
        return (
            _(
                "%(measure)s, %(first)s minus %(second)s: %(amount)s (95%% interval %(low)s to "
                "%(high)s; Welch, %(n1)d and %(n2)d households): different from zero at 95%%."
            )
            % values
        )
    return (
        _(
            "%(measure)s, %(first)s minus %(second)s: %(amount)s (95%% interval %(low)s to "
            "%(high)s; Welch, %(n1)d and %(n2)d households): cannot be told apart from zero "
            "at 95%%."
        )
        % values
    )
