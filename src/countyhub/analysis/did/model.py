"""Staggered difference-in-differences: specify, then ``fit()`` to a frozen ``DiDResults``."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from countyhub.analysis.did.aggregate import (
    BAND_DRAWS,
    Family,
    Moments,
    aggregate,
    band_critical_value,
)
from countyhub.analysis.did.estimate import Control, Progress, estimate_cells
from countyhub.analysis.did.panel import SMALL_COHORT, Panel, build_panel
from countyhub.analysis.did.results import DiDResults, Estimate
from countyhub.analysis.did.twfe import TwoWayFixedEffects, estimate_twfe
from countyhub.analysis.errors import AnalysisError

CONTROLS = ("never", "notyet")


class StaggeredDiD:
    """Callaway & Sant'Anna (2021) DiD for treatment adopted at different times.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel: one row per unit and period.
    unit, time, outcome : str
        Columns naming the unit (county, village, household), the period (a whole number such
        as the year) and the outcome.
    treated_from : str
        Column with the period the unit was first treated; 0 or empty means never treated. If
        it varies within a unit the earliest treated period is the unit's cohort.
    control : {"never", "notyet"}
        Comparison units: never treated only, or also those not yet treated by the period.
    covariates : sequence of str
        Pre-treatment covariates for the doubly robust estimator (their base-period values).
    drop_incomplete : bool
        Drop units missing a period instead of rejecting an unbalanced panel.

    Notes
    -----
    The constructor checks and reshapes the data; it estimates nothing.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. Journal of Econometrics 225(2), 200-230.
    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
    estimators. Journal of Econometrics 219(1), 101-122.
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        unit: str,
        time: str,
        outcome: str,
        treated_from: str,
        control: Control = "never",
        covariates: Sequence[str] = (),
        drop_incomplete: bool = False,
    ) -> None:
        if control not in CONTROLS:
            raise AnalysisError(f"control must be 'never' or 'notyet', not {control!r}")
        self.columns = {
            "unit": unit,
            "time": time,
            "outcome": outcome,
            "treated_from": treated_from,
        }
        self.control: Control = control
        self.covariates = tuple(covariates)
        self.source = str(data.attrs.get("source", "data"))
        self.panel: Panel = build_panel(
            data,
            unit=unit,
            time=time,
            outcome=outcome,
            treated_from=treated_from,
            covariates=self.covariates,
            drop_incomplete=drop_incomplete,
        )
        if control == "never" and 0 not in self.panel.cohort_sizes():
            raise AnalysisError(
                f"{self.source}: no unit is never treated, so control='never' has no comparison "
                "group; use control='notyet' (--control notyet) to compare with units treated later"
            )

    def fit(
        self, *, alpha: float = 0.05, seed: int = 20210601, progress: Progress | None = None
    ) -> DiDResults:
        """Estimate ATT(g, t), aggregate it, and fit the naive TWFE beside it.

        Parameters
        ----------
        alpha : float
            1 - confidence level of the pointwise intervals and the simultaneous bands.
        seed : int
            Seed of the multiplier bootstrap behind the simultaneous bands' critical values.
        progress : callable, optional
            Called as ``progress(done, total)`` after each group-time cell.

        Returns
        -------
        DiDResults
        """
        if not 0 < alpha < 1:
            raise AnalysisError(f"alpha must lie between 0 and 1, not {alpha}")
        cells = estimate_cells(self.panel, self.control, progress)
        aggregations = aggregate(self.panel, cells)
        twfe = estimate_twfe(self.panel, alpha=alpha)
        z = float(stats.norm.ppf(1 - alpha / 2))

        moments = aggregations.moments

        def family(values: Family, keys: Sequence[Any]) -> dict[Any, Estimate]:
            covariance = moments.covariance(values)
            critical = band_critical_value(covariance, alpha=alpha, seed=seed)
            return dict(zip(keys, _estimates(values, moments, z, critical), strict=True))

        def single(values: Family) -> Estimate:
            return _estimates(values, moments, z, z)[0]

        cell_keys = list(zip(cells.cohort.tolist(), cells.period.tolist(), strict=True))
        staggered = len(self.panel.cohorts) > 1
        return DiDResults(
            **self.columns,
            control=self.control,
            covariates=self.covariates,
            source=self.source,
            alpha=alpha,
            n_units=self.panel.n_units,
            n_periods=self.panel.n_periods,
            periods=tuple(int(p) for p in self.panel.periods),
            cohort_sizes=self.panel.cohort_sizes(),
            att_gt=family(aggregations.cells, cell_keys),
            base_periods=dict(zip(cell_keys, cells.base_period.tolist(), strict=True)),
            simple=single(aggregations.simple),
            group=family(aggregations.group, aggregations.group.labels),
            event_time=family(aggregations.event_time, aggregations.event_time.labels),
            calendar=family(aggregations.calendar, aggregations.calendar.labels),
            overall_group=single(aggregations.overall_group),
            overall_event_time=single(aggregations.overall_event_time),
            overall_calendar=single(aggregations.overall_calendar),
            twfe=twfe,
            staggered=staggered,
            warnings=tuple(_warnings(self.panel, cells.skipped, staggered, twfe)),
            notes=self.panel.notes,
            meta={
                "countyhub": _version(),
                "method": "Callaway-Sant'Anna (2021) ATT(g, t), doubly robust, varying base period",
                "standard_errors": "analytic (influence functions, as R did::aggte)",
                "band": f"sup-t, Gaussian multiplier bootstrap, {BAND_DRAWS} draws",
                "seed": seed,
                "n_units": self.panel.n_units,
                "n_obs": self.panel.n_units * self.panel.n_periods,
            },
        )


def _estimates(values: Family, moments: Moments, z: float, critical: float) -> list[Estimate]:
    out = []
    for att, se in zip(values.att.tolist(), moments.std_errors(values).tolist(), strict=True):
        out.append(
            Estimate(
                att=att,
                std_error=se,
                ci_low=att - z * se,
                ci_high=att + z * se,
                band_low=att - critical * se,
                band_high=att + critical * se,
            )
        )
    return out


def _warnings(
    panel: Panel,
    skipped: Sequence[tuple[int, int]],
    staggered: bool,
    twfe: TwoWayFixedEffects,
) -> list[str]:
    out = []
    if staggered:
        cohorts = ", ".join(str(int(g)) for g in panel.cohorts)
        out.append(
            f"Treatment timing is staggered ({len(panel.cohorts)} cohorts: {cohorts}). The "
            "two-way fixed-effects estimate compares later-treated with already-treated units "
            "and is biased when effects change over time; rely on the Callaway-Sant'Anna "
            "aggregates, not on the TWFE coefficient."
        )
    sizes = panel.cohort_sizes()
    small = [f"{g} ({sizes[g]})" for g in panel.cohorts.tolist() if sizes[g] < SMALL_COHORT]
    if small:
        out.append(
            f"cohort(s) with fewer than {SMALL_COHORT} units: {', '.join(small)}; their "
            "effects rest on very few units"
        )
    if skipped:
        cells = ", ".join(f"({g}, {t})" for g, t in skipped[:8])
        more = f" and {len(skipped) - 8} more" if len(skipped) > 8 else ""
        out.append(
            f"no comparison units for {len(skipped)} group-time cell(s) (cohort, period): "
            f"{cells}{more}; those cells are not estimated"
        )
        post_estimated = {g for g, t in _post_cells(panel) if (g, t) not in set(skipped)}
        out.extend(
            f"cohort {g} has no comparison group after it was treated"
            for g in panel.cohorts.tolist()
            if g not in post_estimated
        )
    if not np.isfinite(twfe.std_error):
        out.append("the TWFE standard error is not finite (too few units or periods)")
    return out


def _version() -> str:
    try:
        return version("countyhub")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _post_cells(panel: Panel) -> list[tuple[int, int]]:
    return [(int(g), int(t)) for g in panel.cohorts for t in panel.periods if t >= g]
