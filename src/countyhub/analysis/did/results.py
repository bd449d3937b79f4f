"""Results of a staggered DiD: one frozen object rendered as text, HTML report and JSON."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from countyhub.analysis.did.twfe import TwoWayFixedEffects
from countyhub.analysis.report import figure_svg, html_page, new_figure
from countyhub.analysis.results import Results
from countyhub.analysis.summary import Cell, Summary, SummaryTable, format_cell

CONTROL_WORDS = {"never": "never-treated units", "notyet": "never- and not-yet-treated units"}


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
    covariates: tuple[str, ...]
    source: str
    alpha: float
    n_units: int
    n_periods: int
    periods: tuple[int, ...]
    cohort_sizes: dict[int, int]
    att_gt: dict[tuple[int, int], Estimate]
    base_periods: dict[tuple[int, int], int]
    simple: Estimate
    group: dict[int, Estimate]
    event_time: dict[int, Estimate]
    calendar: dict[int, Estimate]
    overall_group: Estimate
    overall_event_time: Estimate
    overall_calendar: Estimate
    twfe: TwoWayFixedEffects
    staggered: bool
    warnings: tuple[str, ...]
    notes: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

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
            f", doubly robust with covariates {', '.join(self.covariates)} (base-period values)"
            if self.covariates
            else ""
        )
        level = round(100 * (1 - self.alpha))
        controls = CONTROL_WORDS[self.control]
        return (
            f"Effect of treatment on {self.outcome!r} for {self.n_units} units ({self.unit!r}) "
            f"observed in {self.n_periods} periods ({self.periods[0]}-{self.periods[-1]}) from "
            f"{self.source}. Cohorts by first treated period (units): {', '.join(treated)}; "
            f"{never} never treated. Each group-time effect ATT(g, t) compares the change in "
            f"cohort g's outcome since its base period with that of the {controls}"
            f"{covariates} (Callaway & Sant'Anna 2021). Overall, averaging post-treatment cells "
            f"by cohort size, the effect is {format_cell(self.simple.att, 4)} (SE "
            f"{format_cell(self.simple.std_error, 4)}, {level}% CI "
            f"{format_cell(self.simple.ci_low, 4)} to {format_cell(self.simple.ci_high, 4)}); "
            f"the naive two-way fixed-effects estimate is {format_cell(self.twfe.coef, 4)}."
        )

    @property
    def summary(self) -> Summary:
        level = f"{round(100 * (1 - self.alpha))}%"
        note = f"analytic SEs; {level} pointwise CI; {level} simultaneous band over the table"
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
            note=f"analytic SEs; {level} CI; TWFE SE clustered by {self.unit}",
            digits=4,
        )

        def table(title: str, label: str, values: dict[Any, Estimate]) -> SummaryTable:
            rows = [(f"{label}{key}", est.cells()) for key, est in values.items()]
            return SummaryTable(title, ESTIMATE_COLUMNS, rows, note=note, digits=4)

        cells = {f"{g}, {t}": est for (g, t), est in self.att_gt.items()}
        return Summary(
            title="Staggered difference-in-differences (Callaway & Sant'Anna 2021)",
            lines=[self.describe(), *self.warnings, *self.notes],
            tables=[
                overall,
                table("Event study (periods since treatment)", "e = ", self.event_time),
                table("By group (first treated period)", "g = ", self.group),
                table("By calendar period", "t = ", self.calendar),
                table("Group-time effects ATT(g, t)", "", cells),
            ],
        )

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
            "alpha": self.alpha,
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
            },
            "staggered": self.staggered,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "meta": dict(self.meta),
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

    def to_html(self) -> str:
        """The full standalone report page."""
        esc = html.escape
        summary = self.summary
        overall, event, group, calendar, cells = summary.tables
        warnings = "".join(f'<p class="warning">{esc(w)}</p>' for w in self.warnings)
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
        comparison = (
            f"<p>Naive TWFE: <b>{format_cell(self.twfe.coef, 4)}</b> (SE "
            f"{format_cell(self.twfe.std_error, 4)}) against the robust simple ATT "
            f"<b>{format_cell(self.simple.att, 4)}</b> "
            f"(SE {format_cell(self.simple.std_error, 4)}): "
            f"a difference of {format_cell(self.twfe_bias, 4)}.</p>"
        )
        sections = [
            f"<section><h2>What was estimated</h2><p>{esc(self.describe())}</p>"
            + (f'<ul class="meta">{notes}</ul>' if notes else "")
            + "</section>",
            f"<section><h2>Robust estimate and naive TWFE</h2>{warnings}{comparison}"
            f"{overall.as_html()}</section>",
            f"<section><h2>Event study</h2>{self.event_study_figure()}{event.as_html()}</section>",
            f"<section><h2>By group and by calendar period</h2>{group.as_html()}"
            f"{calendar.as_html()}</section>",
            f"<section><h2>Group-time effects</h2>{cells.as_html()}</section>",
        ]
        return html_page(
            "Staggered difference-in-differences",
            sections,
            subtitle=f"{self.outcome} by {self.unit} and {self.time}; {self.source}",
        )
