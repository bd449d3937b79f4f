"""Results of a staggered DiD: one frozen object rendered as text, HTML report and JSON."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from countyhub.analysis.did.panel import dropped_note
from countyhub.analysis.did.pretest import PreTest
from countyhub.analysis.did.sensitivity import Kind, RmTest, Sensitivity, Target
from countyhub.analysis.did.sensitivity import sensitivity as event_study_sensitivity
from countyhub.analysis.did.twfe import TwoWayFixedEffects
from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.report import figure_svg, html_page, new_figure
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable, format_cell

CONTROL_WORDS = {"never": "never-treated units", "notyet": "never- and not-yet-treated units"}
METHOD_NAMES = {
    "dr": "doubly robust",
    "ipw": "inverse probability weighting",
    "reg": "outcome regression",
}


def _percent(confidence: float) -> str:
    return f"{100 * confidence:g}%"


@dataclass(frozen=True)
class Estimate:
    """One effect: point estimate, analytic SE, pointwise interval and simultaneous band."""

    att: float
    std_error: float
    ci_low: float
    ci_high: float
    band_low: float
    band_high: float

    def to_dict(self) -> dict[str, float]:
        return {
            "att": self.att,
            "std_error": self.std_error,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "band_low": self.band_low,
            "band_high": self.band_high,
        }

    def cells(self, *, band: bool = True) -> list[Cell]:
        out: list[Cell] = [self.att, self.std_error, self.ci_low, self.ci_high]
        return [*out, self.band_low, self.band_high] if band else out


ESTIMATE_COLUMNS = ("ATT", "SE", "CI low", "CI high", "band low", "band high")


class Aggregation(dict[int, Estimate]):
    """One aggregation (event time, group or calendar period): a dict key -> Estimate that also
    gives itself as a tidy frame for notebooks."""

    def __init__(self, values: dict[int, Estimate], key: str) -> None:
        super().__init__(values)
        self.key = key

    def to_frame(self) -> pd.DataFrame:
        """One row per key (named ``key``): att, std_error, ci_low, ci_high, band_low, band_high."""
        return pd.DataFrame(
            [e.to_dict() for e in self.values()],
            index=pd.Index(list(self), name=self.key),
            columns=list(Estimate.__dataclass_fields__),
        )


@dataclass(frozen=True)
class DiDResults(Results):
    """Callaway & Sant'Anna (2021) group-time effects, their aggregations, and the naive TWFE.

    ``att_gt`` is keyed by (cohort, period); ``event_time`` by periods since treatment (negative
    keys are pre-treatment placebo estimates); ``group`` by cohort; ``calendar`` by period.
    ``simple`` averages the post-treatment cells weighted by cohort size; ``overall_*`` are
    ``did::aggte``'s overall effects of each aggregation. Intervals are pointwise at ``1 - alpha``;
    bands are simultaneous over each family.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.
    """

    unit: str
    time: str
    outcome: str
    treated_from: str
    control: str
    method: str
    base_period: str
    anticipation: int
    covariates: tuple[str, ...]
    weights: str | None
    cluster: str | None
    source: str
    confidence: float
    n_units: int
    n_periods: int
    periods: tuple[int, ...]
    cohort_sizes: dict[int, int]
    att_gt: dict[tuple[int, int], Estimate]
    base_periods: dict[tuple[int, int], int]
    simple: Estimate
    group: Aggregation
    event_time: Aggregation
    calendar: Aggregation
    overall_group: Estimate
    overall_event_time: Estimate
    overall_calendar: Estimate
    twfe: TwoWayFixedEffects
    pretest: PreTest | None
    staggered: bool
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    dropped: tuple[dict[str, Any], ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    # Covariance of the event-study estimates (rows and columns in ``event_time``'s order), from
    # their influence functions; the input of the sensitivity analysis.
    event_time_covariance: tuple[tuple[float, ...], ...] = ()
    sensitivity: Sensitivity | None = None

    @property
    def alpha(self) -> float:
        """1 - confidence."""
        return 1 - self.confidence

    def stamped(self, **meta: Any) -> DiDResults:
        """A copy whose ``meta`` also holds these entries (the command line adds its own)."""
        return replace(self, meta={**self.meta, **meta})

    @property
    def methods(self) -> str:
        """The conventions used, as a paragraph for a report's methods section."""
        level = _percent(self.confidence)
        se = self.meta.get("standard_errors", "")
        weights = f" Units are weighted by {self.weights!r}." if self.weights else ""
        pretest = (
            " The pre-test of parallel trends is the Wald test that all pre-treatment ATT(g, t) "
            "are zero (chi-squared, R did's att_gt p-value)."
            if self.pretest
            else ""
        )
        return (
            "Group-time average treatment effects ATT(g, t) of Callaway & Sant'Anna (2021), "
            f"estimated cell by cell with the {METHOD_NAMES[self.method]} two-period estimator of "
            f"DRDID on the {CONTROL_WORDS[self.control]}, {self.base_period} base period, "
            f"{self.anticipation} anticipation period(s)"
            + (
                f", covariates {', '.join(self.covariates)} at their base-period values"
                if self.covariates
                else ""
            )
            + f". Aggregations weight cells by cohort size as R did::aggte, the estimated weights' "
            f"influence function included. Standard errors: {se}. Intervals are pointwise normal "
            f"{level}; bands are {level} simultaneous sup-t bands over each table "
            f"({self.meta.get('band', '')}, seed {self.meta.get('seed')}).{weights}{pretest} "
            "The naive TWFE is OLS with unit and period fixed effects and a treatment dummy, "
            "cluster-robust CRV1 standard errors."
        )

    @property
    def twfe_bias(self) -> float:
        """TWFE coefficient minus the robust simple ATT: how wrong the naive estimate is."""
        return self.twfe.coef - self.simple.att

    def describe(self) -> str:
        """What was estimated on which units, in words."""
        sizes = self.cohort_sizes
        treated = [f"{g} ({n})" for g, n in sorted(sizes.items()) if g != 0]
        never = sizes.get(0, 0)
        covariates = (
            f", with covariates {', '.join(self.covariates)} (base-period values)"
            if self.covariates
            else ""
        )
        level = _percent(self.confidence)
        controls = CONTROL_WORDS[self.control]
        who = (
            f"{self.n_units} individuals, each observed once (repeated cross-sections),"
            if self.meta.get("layout") == "cross_section"
            else f"{self.n_units} units ({self.unit!r})"
        )
        return (
            f"Effect of treatment on {self.outcome!r} for {who} "
            f"observed in {self.n_periods} periods ({self.periods[0]}-{self.periods[-1]}) from "
            f"{self.source}. Cohorts by first treated period (units): {', '.join(treated)}; "
            f"{never} never treated. Each group-time effect ATT(g, t) compares the change in "
            f"cohort g's outcome since its base period with that of the {controls}"
            f"{covariates} ({METHOD_NAMES[self.method]}; Callaway & Sant'Anna 2021). Overall, "
            f"averaging post-treatment cells by cohort size, the effect is "
            f"{format_cell(self.simple.att, 4)} (SE "
            f"{format_cell(self.simple.std_error, 4)}, {level} CI "
            f"{format_cell(self.simple.ci_low, 4)} to {format_cell(self.simple.ci_high, 4)}); "
            f"the naive two-way fixed-effects estimate is {format_cell(self.twfe.coef, 4)}."
        )

    def with_sensitivity(
        self,
        kind: Kind,
        *,
        target: Target = "first",
        grid: Sequence[float] | None = None,
        rm_test: RmTest = "bonferroni",
    ) -> DiDResults:
        """A copy with the Rambachan-Roth sensitivity of the event study (``kind`` "rm":
        relative magnitudes, "sd": smoothness) for the first post period or the post average;
        see :mod:`countyhub.analysis.did.sensitivity`."""
        if self.anticipation:
            raise AnalysisError(
                "the sensitivity analysis assumes no anticipation (the reference period just "
                "before treatment); fit with anticipation 0"
            )
        keys = list(self.event_time)
        found = event_study_sensitivity(
            keys,
            [self.event_time[e].att for e in keys],
            np.asarray(self.event_time_covariance, dtype=np.float64),
            kind=kind,
            target=target,
            confidence=self.confidence,
            base_period=self.base_period,
            grid=grid,
            rm_test=rm_test,
        )
        return replace(self, sensitivity=found)

    @property
    def summary(self) -> Summary:
        level = _percent(self.confidence)
        kind = "bootstrap" if "bootstrap (" in self.meta.get("standard_errors", "") else "analytic"
        note = f"{kind} SEs; {level} pointwise CI; {level} simultaneous band over the table"
        overall = SummaryTable(
            title="Overall effect",
            columns=ESTIMATE_COLUMNS[:4],
            rows=[
                ("simple (cohort-size weighted)", self.simple.cells(band=False)),
                ("by group", self.overall_group.cells(band=False)),
                ("by event time (e >= 0)", self.overall_event_time.cells(band=False)),
                ("by calendar time", self.overall_calendar.cells(band=False)),
                (
                    "naive TWFE",
                    [self.twfe.coef, self.twfe.std_error, self.twfe.ci_low, self.twfe.ci_high],
                ),
            ],
            note=f"{level} CI; TWFE SE clustered by {self.cluster or self.unit}",
            digits=4,
        )

        def table(title: str, label: str, values: dict[Any, Estimate]) -> SummaryTable:
            rows = [(f"{label}{key}", est.cells()) for key, est in values.items()]
            return SummaryTable(title, ESTIMATE_COLUMNS, rows, note=note, digits=4)

        cells = {f"{g}, {t}": est for (g, t), est in self.att_gt.items()}
        return Summary(
            title="Staggered difference-in-differences (Callaway & Sant'Anna 2021)",
            lines=[self.describe(), *self.pretest_lines(), *self.warnings, *self.notes],
            tables=[
                overall,
                table("Event study (periods since treatment)", "e = ", self.event_time),
                table("By group (first treated period)", "g = ", self.group),
                table("By calendar period", "t = ", self.calendar),
                table("Group-time effects ATT(g, t)", "", cells),
                *([self.sensitivity.table()] if self.sensitivity else []),
            ],
        )

    def pretest_lines(self) -> list[str]:
        if self.pretest is None:
            return ["no pre-treatment cell: parallel trends cannot be pre-tested"]
        test = self.pretest
        return [
            f"Pre-test of parallel trends (Wald, all {len(test.cells)} pre-treatment ATT(g, t) = "
            f"0): chi2({test.df}) = {format_cell(test.statistic, 3)}, p = "
            f"{format_cell(test.pvalue, 4)}"
        ]

    def short_summary(self) -> str:
        """A few lines for the terminal when the tables go to files."""
        level = _percent(self.confidence)
        layout = str(self.meta.get("layout", "balanced")).replace("_", " ")
        lines = [
            f"ATT (simple) {format_cell(self.simple.att, 4)}, SE "
            f"{format_cell(self.simple.std_error, 4)}, {level} CI "
            f"{format_cell(self.simple.ci_low, 4)} to {format_cell(self.simple.ci_high, 4)}; "
            f"naive TWFE {format_cell(self.twfe.coef, 4)}",
            (
                f"{self.n_units} rows (one individual each) in {self.n_periods} periods used "
                "(repeated cross-sections); "
                if layout == "cross section"
                else f"{self.n_units} units x {self.n_periods} periods used "
                f"({self.meta.get('n_obs')} rows, {layout}); "
            )
            + f"method {self.method}, "
            f"control {self.control}, base period {self.base_period}, anticipation "
            f"{self.anticipation}; seed {self.meta.get('seed')}",
            *self.pretest_lines(),
        ]
        lines += [dropped_note(d["units"], d["rows"], d["reason"]) for d in self.dropped]
        if not self.dropped:
            lines.append("no units or rows dropped")
        lines += [n for n in self.notes if not n.startswith("dropped ")]
        return "\n".join(lines) + "\n"

    def att_gt_frame(self) -> pd.DataFrame:
        """ATT(g, t) with base period, indexed by (group, period)."""
        frame = pd.DataFrame.from_dict(
            {key: est.to_dict() for key, est in self.att_gt.items()}, orient="index"
        )
        frame.index = pd.MultiIndex.from_tuples(list(self.att_gt), names=["group", "period"])
        frame.insert(0, "base_period", [self.base_periods[k] for k in self.att_gt])
        frame["event_time"] = [t - g for g, t in self.att_gt]
        return frame

    def to_frame(self) -> pd.DataFrame:
        """Every estimate, one row each, indexed by (family, key): ``simple``, ``overall_group``,
        ``overall_event_time``, ``overall_calendar`` (key ""), ``group`` (cohort),
        ``event_time`` (e), ``calendar`` (period) and ``att_gt`` ("g,t")."""
        families: dict[str, dict[str, Estimate]] = {
            "simple": {"": self.simple},
            "overall_group": {"": self.overall_group},
            "overall_event_time": {"": self.overall_event_time},
            "overall_calendar": {"": self.overall_calendar},
            "group": {str(g): est for g, est in self.group.items()},
            "event_time": {str(e): est for e, est in self.event_time.items()},
            "calendar": {str(t): est for t, est in self.calendar.items()},
            "att_gt": {f"{g},{t}": est for (g, t), est in self.att_gt.items()},
        }
        rows = {
            (family, key): est.to_dict()
            for family, estimates in families.items()
            for key, est in estimates.items()
        }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index = pd.MultiIndex.from_tuples(list(rows), names=["family", "key"])
        return frame

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``countyhub analyze did --json``; keys are strings."""
        return {
            "n_units": self.n_units,
            "n_periods": self.n_periods,
            "control": self.control,
            "outcome": self.outcome,
            "unit": self.unit,
            "time": self.time,
            "covariates": list(self.covariates),
            "method": self.method,
            "base_period": self.base_period,
            "anticipation": self.anticipation,
            "weights": self.weights,
            "cluster": self.cluster,
            "confidence": self.confidence,
            "dropped": list(self.dropped),
            "pretest": self.pretest.to_dict() if self.pretest else None,
            "periods": list(self.periods),
            "cohort_sizes": {str(g): n for g, n in self.cohort_sizes.items()},
            "simple": self.simple.to_dict(),
            "event_time": {str(e): est.to_dict() for e, est in self.event_time.items()},
            "group": {str(g): est.to_dict() for g, est in self.group.items()},
            "calendar": {str(t): est.to_dict() for t, est in self.calendar.items()},
            "overall": {
                "group": self.overall_group.to_dict(),
                "event_time": self.overall_event_time.to_dict(),
                "calendar": self.overall_calendar.to_dict(),
            },
            "att_gt": {
                f"{g},{t}": {**est.to_dict(), "base_period": self.base_periods[(g, t)]}
                for (g, t), est in self.att_gt.items()
            },
            "twfe": {
                "coef": self.twfe.coef,
                "std_error": self.twfe.std_error,
                "ci_low": self.twfe.ci_low,
                "ci_high": self.twfe.ci_high,
                "n_obs": self.twfe.n_obs,
                "bias_vs_simple": self.twfe_bias,
                "covariates_absorbed": list(self.twfe.absorbed),
            },
            "staggered": self.staggered,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "sensitivity": self.sensitivity.to_dict() if self.sensitivity else None,
            "meta": {**self.meta, "methods": self.methods},
        }

    def event_study_figure(self) -> str:
        """The event-study plot (pre-periods included, with the band) as inline SVG."""
        fig = new_figure(7.5, 4.2)
        ax = fig.add_subplot(1, 1, 1)
        keys = list(self.event_time)
        est = [self.event_time[e] for e in keys]
        # The band is drawn per event time: it covers the estimates, not the gaps between them.
        ax.vlines(
            keys,
            [e.band_low for e in est],
            [e.band_high for e in est],
            color="#9fb3c8",
            linewidth=9,
            alpha=0.6,
            label="simultaneous band",
        )
        for pre, colour, name in ((True, "#52606d", "before"), (False, "#c63d2f", "after")):
            chosen = [(k, e) for k, e in zip(keys, est, strict=True) if (k < 0) == pre]
            if not chosen:
                continue
            xs, values = zip(*chosen, strict=True)
            ax.errorbar(
                xs,
                [v.att for v in values],
                yerr=[[v.att - v.ci_low for v in values], [v.ci_high - v.att for v in values]],
                fmt="o",
                color=colour,
                capsize=3,
                label=f"{name} treatment (pointwise CI)",
            )
        ax.axhline(0, color="#1f2933", linewidth=0.8)
        ax.axhline(self.twfe.coef, color="#f0b429", linestyle="--", label="naive TWFE")
        ax.axvline(-0.5, color="#9aa5b1", linestyle=":", linewidth=0.8)
        ax.set_xlabel("periods since first treated (e)")
        ax.set_ylabel(f"effect on {self.outcome}")
        ax.legend(fontsize=8, loc="best")
        return figure_svg(
            fig,
            caption=(
                "Event study: ATT by periods since treatment. Negative e are placebo estimates "
                "before treatment (should be near zero); the pale bars are the simultaneous band."
            ),
        )

    def _sensitivity_section(self) -> str:
        found = self.sensitivity
        assert found is not None
        esc = html.escape
        return (
            "<section><h2>Sensitivity to parallel trends</h2>"
            f"{found.figure(self.outcome)}{found.table().as_html()}"
            f'<p>{esc(found.breakdown_line())}.</p><p class="meta">{esc(found.method)}</p>'
            "</section>"
        )

    def to_html(self) -> str:
        """The full standalone report page."""
        esc = html.escape
        summary = self.summary
        overall, event, group, calendar, cells = summary.tables[:5]
        warnings = "".join(f'<p class="warning">{esc(w)}</p>' for w in self.warnings)
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
        comparison = (
            f"<p>Naive TWFE: <b>{format_cell(self.twfe.coef, 4)}</b> (SE "
            f"{format_cell(self.twfe.std_error, 4)}) against the robust simple ATT "
            f"<b>{format_cell(self.simple.att, 4)}</b> "
            f"(SE {format_cell(self.simple.std_error, 4)}): "
            f"a difference of {format_cell(self.twfe_bias, 4)}.</p>"
        )
        stamp = self.meta
        provenance = (
            f"countyhub {esc(str(stamp.get('countyhub')))}, {esc(str(stamp.get('date')))}; "
            f"data SHA-256 {esc(str(stamp.get('data_sha256')))}; seed {stamp.get('seed')}; "
            f"<code>{esc(str(stamp.get('command')))}</code>"
        )
        pretest = "".join(f"<p>{esc(line)}</p>" for line in self.pretest_lines())
        dropped = "".join(
            f"<li>{esc(dropped_note(d['units'], d['rows'], d['reason']))}</li>"
            for d in self.dropped
        )
        sections = [
            f"<section><h2>What was estimated</h2><p>{esc(self.describe())}</p>{pretest}"
            + (f'<ul class="meta">{notes}</ul>' if notes else "")
            + "</section>",
            f"<section><h2>Robust estimate and naive TWFE</h2>{warnings}{comparison}"
            f"{overall.as_html()}</section>",
            f"<section><h2>Event study</h2>{self.event_study_figure()}{event.as_html()}</section>",
            f"<section><h2>By group and by calendar period</h2>{group.as_html()}"
            f"{calendar.as_html()}</section>",
            f"<section><h2>Group-time effects</h2>{cells.as_html()}</section>",
            *([self._sensitivity_section()] if self.sensitivity else []),
            f"<section><h2>Methods</h2><p>{esc(self.methods)}</p>"
            + (f"<ul>{dropped}</ul>" if dropped else "")
            + f'<p class="meta">{provenance}</p></section>',
        ]
        return html_page(
            "Staggered difference-in-differences",
            sections,
            subtitle=f"{self.outcome} by {self.unit} and {self.time}; {self.source}",
        )
