"""The results of a before/after comparison, and their text, HTML and JSON renderers.

Results keep full precision; numbers are formatted only in the summary renderers.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from countyhub.analysis.deflate import weakest_status
from countyhub.analysis.poverty import PovertyShares
from countyhub.analysis.provenance import Provenance
from countyhub.analysis.report import figure_svg, html_page, new_figure
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable

if TYPE_CHECKING:
    from matplotlib.figure import Figure

EFFECT_SIZE = (
    "Cohen's dz = mean difference / SD of the differences (the paired effect size; "
    "not an average-SD d)"
)
WILCOXON_METHOD = (
    "Wilcoxon signed-rank test (scipy.stats.wilcoxon), two-sided, zero differences dropped "
    "(zero_method='wilcox'); exact distribution when n <= 50 with no zero or tied differences, "
    "otherwise the normal approximation with tie correction, continuity-corrected only when "
    "asked (as R's wilcox.test does by default; SPSS and scipy do not); each measure names the "
    "variant used"
)
T_TEST_METHOD = "paired t test on after - before, two-sided; CI from the t distribution"
MISSING_RULE = "pairwise: a respondent missing either value of a pair is dropped for that measure"


@dataclass(frozen=True)
class PairedTestResult(Results):
    """The before/after comparison of one measure (differences are after - before).

    ``statistic``, ``pvalue``, ``std_error`` and ``ci_low`` / ``ci_high`` are the paired t test's
    (``std_error`` is the standard error of the mean difference); the Wilcoxon signed-rank test's
    are ``wilcoxon_statistic`` and ``wilcoxon_pvalue``.
    """

    measure: str
    before_column: str
    after_column: str
    n: int
    n_dropped: int
    mean_before: float
    mean_after: float
    mean_diff: float
    sd_diff: float
    std_error: float
    statistic: float
    df: int
    pvalue: float
    ci_low: float
    ci_high: float
    wilcoxon_statistic: float
    wilcoxon_pvalue: float
    wilcoxon_method: str
    n_zero_differences: int
    dz: float
    deflated: bool
    prices: str
    cpi_status: str | None
    confidence: float
    ci_mean_before: tuple[float, float]
    ci_mean_after: tuple[float, float]
    null: str

    def to_dict(self) -> dict[str, Any]:
        """The issue's keys first, then the additions beside them."""
        return _clean(self._record())

    def _record(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "mean_before": self.mean_before,
            "mean_after": self.mean_after,
            "mean_diff": self.mean_diff,
            "std_error": self.std_error,
            "statistic": self.statistic,
            "df": self.df,
            "pvalue": self.pvalue,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "wilcoxon_pvalue": self.wilcoxon_pvalue,
            "dz": self.dz,
            "deflated": self.deflated,
            "before_column": self.before_column,
            "after_column": self.after_column,
            "n_dropped": self.n_dropped,
            "sd_diff": self.sd_diff,
            "confidence": self.confidence,
            "wilcoxon_statistic": self.wilcoxon_statistic,
            "wilcoxon_method": self.wilcoxon_method,
            "n_zero_differences": self.n_zero_differences,
            "effect_size": "dz",
            "prices": self.prices,
            "cpi_status": self.cpi_status,
            "null_hypothesis": self.null,
        }

    @property
    def summary(self) -> Summary:
        return Summary(
            title=f"Before/after comparison: {self.measure}",
            tables=[measure_table({self.measure: self}, self.confidence)],
            lines=[f"H0: {self.null}", f"Wilcoxon: {self.wilcoxon_method}"],
        )

    def to_frame(self) -> pd.DataFrame:
        """One row, indexed by the measure, with the columns of :meth:`to_dict`."""
        return _frame({self.measure: self})


@dataclass(frozen=True)
class CPIUse:
    """Which CPI converted which years to the base year, and how trustworthy its values are."""

    name: str
    kind: str
    source: str
    base_year: int | None
    factors: Mapping[int, float]
    statuses: Mapping[int, str]

    @property
    def status(self) -> str:
        return weakest_status(self.statuses.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "base_year": self.base_year,
            "factors": {str(y): f for y, f in sorted(self.factors.items())},
            "status_by_year": {str(y): s for y, s in sorted(self.statuses.items())},
            "status": self.status,
        }

    def describe(self) -> str:
        used = ", ".join(f"{y}: {s}" for y, s in sorted(self.statuses.items()))
        return f"CPI: {self.name} ({self.kind}); values used - {used or 'none'}"


@dataclass(frozen=True)
class BeforeAfterResults(Results):
    """The fitted before/after comparison: one ``PairedTestResult`` per measure, plus poverty."""

    measures: Mapping[str, PairedTestResult]
    base_year: int | None
    year_before: int | None
    year_after: int | None
    confidence: float
    cpi: CPIUse | None
    poverty: PovertyShares | None
    warnings: Sequence[str] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)

    @property
    def summary(self) -> Summary:
        return Summary(
            title="Before/after comparison",
            tables=self._tables(),
            lines=self._lines(),
        )

    def _lines(self) -> list[str]:
        lines = [
            f"Respondents: {self.meta.get('n_rows', '?')} rows, id column "
            f"{self.meta.get('id', '?')!r}; differences are after - before",
            f"Missing values: {MISSING_RULE}",
            f"t test: {T_TEST_METHOD}; {_percent(self.confidence)} confidence interval",
            f"Effect size: {EFFECT_SIZE}",
            f"Wilcoxon: {WILCOXON_METHOD}",
            "H0 (each measure): mean of the after - before differences = 0 (t test); "
            "the differences are symmetric about 0 (Wilcoxon)",
        ]
        if self.cpi is not None and self.base_year is not None:
            lines.append(f"Money deflated to {self.base_year} prices. {self.cpi.describe()}")
        elif self.cpi is not None:
            lines.append(f"Nothing deflated; for the poverty line only. {self.cpi.describe()}")
        if self.poverty is not None:
            lines.append(f"Poverty: {self.poverty.label}")
        lines += [f"Warning: {w}" for w in self.warnings]
        return lines

    def _tables(self) -> list[SummaryTable]:
        tables = [measure_table(self.measures, self.confidence)]
        if self.poverty is not None:
            tables.append(self.poverty.table())
        return tables

    def to_frame(self) -> pd.DataFrame:
        """One row per measure (the index), with the columns of each measure's ``to_dict``."""
        return _frame(self.measures)

    def rows_lines(self) -> list[str]:
        """Per measure: the pairs used and the respondents dropped, and why."""
        return [
            f"{name}: {r.n} pairs used, {r.n_dropped} dropped (a missing value)"
            for name, r in self.measures.items()
        ]

    def methods(self) -> str:
        """The conventions used, as a paragraph for a methods section."""
        return (
            f"Differences are after - before. {T_TEST_METHOD[0].upper()}{T_TEST_METHOD[1:]}, "
            f"{_percent(self.confidence)} level. {EFFECT_SIZE}. {WILCOXON_METHOD}. Missing "
            f"values: {MISSING_RULE}."
        )

    def to_dict(self, *, provenance: Provenance | None = None) -> dict[str, Any]:
        """The JSON document of the issue, with the additions beside its keys; stamped with
        ``provenance`` when given (the command line always gives it)."""
        stamp = {} if provenance is None else {"provenance": provenance.to_dict()}
        return stamp | {
            "base_year": self.base_year,
            "measures": {name: r.to_dict() for name, r in self.measures.items()},
            "poverty": None if self.poverty is None else self.poverty.to_dict(),
            "year_before": self.year_before,
            "year_after": self.year_after,
            "confidence": self.confidence,
            "cpi": None if self.cpi is None else self.cpi.to_dict(),
            "methods": {
                "t_test": T_TEST_METHOD,
                "wilcoxon": WILCOXON_METHOD,
                "effect_size": EFFECT_SIZE,
                "missing": MISSING_RULE,
                "null_hypothesis": "mean of the after - before differences = 0",
                "paragraph": self.methods(),
            },
            "rows": self.rows_lines(),
            "warnings": list(self.warnings),
            "meta": dict(self.meta),
        }

    def to_html(self, *, provenance: Provenance | None = None) -> str:
        """One self-contained page: the tables and the charts, figures inline as SVG; then the
        methods paragraph and, when given, the provenance stamp."""
        sections = [self.summary.as_html()]
        sections.append(
            figure_svg(
                _means_figure(self),
                caption=(
                    f"Top: mean before and after, each with its {_percent(self.confidence)} CI. "
                    f"Bottom: mean paired difference with its {_percent(self.confidence)} CI "
                    "(what the t test is about)"
                ),
            )
        )
        if self.poverty is not None:
            sections.append(figure_svg(self.poverty.figure(), caption=self.poverty.label))
        sections.append(f"<h2>Methods</h2><p>{html.escape(self.methods())}</p>")
        if provenance is not None:
            sections.append(provenance.as_html())
        subtitle = (
            f"{self.year_before} vs {self.year_after}" if self.year_before is not None else ""
        )
        return html_page("Before/after report", sections, subtitle=subtitle)


def measure_table(measures: Mapping[str, PairedTestResult], confidence: float) -> SummaryTable:
    """The paired tests of each measure as one table (row label: the measure)."""
    level = f"{_percent(confidence)}"
    columns = [
        "n",
        "dropped",
        "mean before",
        "mean after",
        "mean diff",
        f"{level} CI low",
        f"{level} CI high",
        "t",
        "df",
        "p",
        "Wilcoxon p",
        "dz",
        "prices",
    ]
    rows: list[tuple[str, Sequence[Cell]]] = [
        (
            name,
            [
                r.n,
                r.n_dropped,
                r.mean_before,
                r.mean_after,
                r.mean_diff,
                r.ci_low,
                r.ci_high,
                r.statistic,
                r.df,
                r.pvalue,
                r.wilcoxon_pvalue,
                r.dz,
                r.prices,
            ],
        )
        for name, r in measures.items()
    ]
    return SummaryTable(
        title="Paired tests",
        columns=columns,
        rows=rows,
        note="dz = mean difference / SD of the differences; p values two-sided",
    )


def _frame(measures: Mapping[str, PairedTestResult]) -> pd.DataFrame:
    records = {name: r._record() for name, r in measures.items()}
    return pd.DataFrame.from_dict(records, orient="index")


def _percent(share: float) -> str:
    return f"{share * 100:g}%"


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    """NaN is not JSON: an undefined statistic becomes null."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in record.items()}


def _means_figure(results: BeforeAfterResults) -> Figure:
    """Top row: each mean with its own CI; bottom row: the paired difference with its CI.

    The bottom row is what the tests are about: the two means' intervals can overlap while the
    paired difference is clearly away from zero.
    """
    count = len(results.measures)
    fig = new_figure(width=max(3.2 * count, 4.5), height=6.0)
    axes = fig.subplots(2, count, squeeze=False)
    labels = [
        str(results.year_before) if results.year_before is not None else "before",
        str(results.year_after) if results.year_after is not None else "after",
    ]
    for column, (name, r) in enumerate(results.measures.items()):
        top, bottom = axes[0][column], axes[1][column]
        means = [r.mean_before, r.mean_after]
        intervals = (r.ci_mean_before, r.ci_mean_after)
        low = [m - ci[0] for m, ci in zip(means, intervals, strict=True)]
        high = [ci[1] - m for m, ci in zip(means, intervals, strict=True)]
        top.errorbar([0, 1], means, yerr=[low, high], fmt="o-", capsize=5, color="#2f6f9f")
        top.set_xticks([0, 1], labels)
        top.set_xlim(-0.5, 1.5)
        top.set_title(f"{name} (p = {r.pvalue:.3g}, dz = {r.dz:.2f})", fontsize=9)
        top.set_ylabel(f"mean, {r.prices}", fontsize=8)
        bottom.errorbar(
            [0],
            [r.mean_diff],
            yerr=[[r.mean_diff - r.ci_low], [r.ci_high - r.mean_diff]],
            fmt="s",
            capsize=6,
            color="#8a1c1c",
        )
        bottom.axhline(0, color="#52606d", linewidth=0.8, linestyle="--")
        bottom.set_xticks([0], [f"{labels[1]} - {labels[0]}"])
        bottom.set_xlim(-1, 1)
        bottom.set_ylabel("mean difference", fontsize=8)
    fig.tight_layout()
    return fig
