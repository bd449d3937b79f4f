"""Staggered difference-in-differences: specify, then ``fit()`` to a frozen ``DiDResults``."""

from __future__ import annotations

import hashlib
import secrets
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from countyhub.analysis.did.aggregate import (
    BAND_DRAWS,
    Family,
    aggregate,
    band_critical_value,
)
from countyhub.analysis.did.bootstrap import MIN_BOOTSTRAP, MultiplierBootstrap
from countyhub.analysis.did.estimate import (
    BASE_PERIODS,
    METHODS,
    BasePeriod,
    Control,
    Design,
    Method,
    Progress,
    estimate_cells,
)
from countyhub.analysis.did.panel import SMALL_COHORT, Panel, build_panel
from countyhub.analysis.did.pretest import parallel_trends_pretest
from countyhub.analysis.did.results import Aggregation, DiDResults, Estimate
from countyhub.analysis.did.twfe import TwoWayFixedEffects, estimate_twfe
from countyhub.analysis.errors import AnalysisError

CONTROLS = ("never", "notyet")
Layout = Literal["balanced", "unbalanced", "cross_section"]
LAYOUTS = ("balanced", "unbalanced", "cross_section")
METHOD_WORDS = {
    "dr": "doubly robust (Sant'Anna & Zhao 2020)",
    "ipw": "inverse probability weighting (normalised weights)",
    "reg": "outcome regression",
}
ROW_LABEL = "row"  # the unit of repeated cross-sections: each row a different individual
REFERENCE_SE = 1e-13  # below this an SE is the zero of a cell fixed by construction


class StaggeredDiD:
    """Callaway & Sant'Anna (2021) DiD for treatment adopted at different times.

    Parameters
    ----------
    data : pandas.DataFrame
        Long panel: one row per unit and period.
    unit : str, optional
        Column naming the unit (county, village, household); required except for repeated
        cross-sections (``layout="cross_section"``), where every row is its own individual.
    time, outcome : str
        Columns naming the period (a whole number such as the year) and the outcome.
    treated_from : str
        Column with the period the unit was first treated; 0 or empty means never treated. It
        must be the same on all of a unit's rows.
    control : {"never", "notyet"}
        Comparison units: never treated only, or also those not yet treated by the period.
    covariates : sequence of str
        Pre-treatment covariates (their base-period values).
    method : {"dr", "ipw", "reg"}
        Two-period estimator of each cell: doubly robust (default), inverse probability
        weighting, or outcome regression (``did``'s ``est_method``).
    base_period : {"varying", "universal"}
        Pre-treatment cells against the period before (varying) or all cells against the last
        period before treatment (universal), as ``did``'s ``base_period``.
    anticipation : int
        Periods before treatment in which units may already react (``did``'s ``anticipation``).
    weights : str, optional
        Column of sampling weights, constant within a unit.
    cluster : str, optional
        A clustering variable above the unit (e.g. the county of a village); standard errors
        are clustered by it. Units are always clustered.
    drop_incomplete : bool
        Drop units missing a period instead of rejecting an unbalanced panel.
    layout : {"balanced", "unbalanced", "cross_section"}
        "unbalanced": units may miss periods; each cell uses the rows observed in its two
        periods (``DRDID``'s repeated cross-section estimators, as R did's
        ``allow_unbalanced_panel=TRUE``) and standard errors stay clustered by unit.
        "cross_section": repeated cross-sections, each row a different unit (R did's
        ``panel=FALSE``); ``unit`` is then ignored.

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
        unit: str | None = None,
        time: str,
        outcome: str,
        treated_from: str,
        control: Control = "never",
        covariates: Sequence[str] = (),
        method: Method = "dr",
        base_period: BasePeriod = "varying",
        anticipation: int = 0,
        weights: str | None = None,
        cluster: str | None = None,
        drop_incomplete: bool = False,
        layout: Layout = "balanced",
    ) -> None:
        _require_choice("control", control, CONTROLS)
        _require_choice("method", method, METHODS)
        _require_choice("base_period", base_period, BASE_PERIODS)
        _require_choice("layout", layout, LAYOUTS)
        self.layout = layout
        if unit is None and layout != "cross_section":
            raise AnalysisError(
                "give the unit column (unit=...); only repeated cross-sections "
                "(layout='cross_section') need none"
            )
        if isinstance(anticipation, bool) or not isinstance(anticipation, int) or anticipation < 0:
            raise AnalysisError(
                f"anticipation must be a whole number of periods, 0 or more, not {anticipation!r}"
            )
        # Cross-sections: each row is its own unit, named "row" in the outputs.
        row_units = layout == "cross_section"
        self.columns = {
            "unit": ROW_LABEL if row_units or unit is None else unit,
            "time": time,
            "outcome": outcome,
            "treated_from": treated_from,
        }
        self.design = Design(
            control=control, method=method, base_period=base_period, anticipation=anticipation
        )
        self.covariates = tuple(covariates)
        self.weights = weights
        self.cluster = cluster
        self.source = str(data.attrs.get("source", "data"))
        self.data_sha256 = _frame_digest(data)
        self.panel: Panel = build_panel(
            data,
            unit=self.columns["unit"],
            time=time,
            outcome=outcome,
            treated_from=treated_from,
            covariates=self.covariates,
            weights=weights,
            clusters=(cluster,) if cluster else (),
            anticipation=anticipation,
            drop_incomplete=drop_incomplete,
            layout=layout,
        )
        if control == "never" and 0 not in self.panel.cohort_sizes():
            raise AnalysisError(
                f"{self.source}: no unit is never treated, so control='never' has no comparison "
                "group; use control='notyet' (--control notyet) to compare with units treated later"
            )

    def fit(
        self,
        *,
        confidence: float = 0.95,
        seed: int | None = None,
        bootstrap: int = 0,
        progress: Progress | None = None,
        alpha: float | None = None,
    ) -> DiDResults:
        """Estimate ATT(g, t), aggregate it, and fit the naive TWFE beside it.

        Parameters
        ----------
        confidence : float
            Level of the pointwise intervals and the simultaneous bands, e.g. 0.95.
        seed : int, optional
            Seed of the draws behind the bands' critical values (and the bootstrap); chosen at
            random and recorded in ``meta["seed"]`` when not given, so any run can be repeated.
        bootstrap : int
            Multiplier-bootstrap draws for the standard errors and bands (0: analytic SEs, as
            ``did``'s ``bstrap=FALSE``; R did's default is 999 draws).
        progress : callable, optional
            Called as ``progress(done, total)`` after each group-time cell.
        alpha : float, optional
            Deprecated: 1 - confidence.

        Returns
        -------
        DiDResults
        """
        if alpha is not None:
            warnings.warn(
                "alpha is deprecated; give confidence=1 - alpha",
                DeprecationWarning,
                stacklevel=2,
            )
            confidence = 1 - alpha
        if not 0 < confidence < 1:
            raise AnalysisError(
                f"the confidence level must lie between 0 and 1 (e.g. 0.95), not {confidence}"
            )
        if bootstrap < 0 or 0 < bootstrap < MIN_BOOTSTRAP:
            raise AnalysisError(
                f"bootstrap must be 0 (analytic SEs) or at least {MIN_BOOTSTRAP} draws, "
                f"not {bootstrap}"
            )
        if seed is None:
            seed = secrets.randbelow(2**31)
        alpha = 1 - confidence
        cells = estimate_cells(self.panel, self.design, progress)
        aggregations = aggregate(self.panel, cells)
        twfe = estimate_twfe(self.panel, alpha=alpha)
        z = float(stats.norm.ppf(1 - alpha / 2))
        moments = aggregations.moments
        draws = (
            MultiplierBootstrap.draw(self.panel, cells, aggregations, bootstrap, seed)
            if bootstrap
            else None
        )

        def family(values: Family, keys: Sequence[Any]) -> dict[Any, Estimate]:
            if draws is not None:
                std_errors, critical = draws.std_errors_and_band(values, alpha=alpha)
            else:
                std_errors = moments.std_errors(values)
                covariance = moments.covariance(values)
                critical = band_critical_value(covariance, alpha=alpha, seed=seed)
            return dict(zip(keys, _estimates(values, std_errors, z, critical), strict=True))

        def single(values: Family) -> Estimate:
            if draws is not None:
                std_errors, _ = draws.std_errors_and_band(values, alpha=alpha)
            else:
                std_errors = moments.std_errors(values)
            return _estimates(values, std_errors, z, z)[0]

        cell_keys = list(zip(cells.cohort.tolist(), cells.period.tolist(), strict=True))
        att_gt = family(aggregations.cells, cell_keys)
        pretest = parallel_trends_pretest(aggregations, cells)
        staggered = len(self.panel.cohorts) > 1
        standard_errors = (
            f"multiplier bootstrap ({bootstrap} Mammen draws)"
            if bootstrap
            else "analytic (influence functions, as R did::aggte)"
        )
        clustered = f"clustered by {self.columns['unit']}" + (
            f" and {self.cluster}" if self.cluster else ""
        )
        return DiDResults(
            **self.columns,
            control=self.design.control,
            method=self.design.method,
            base_period=self.design.base_period,
            anticipation=self.design.anticipation,
            covariates=self.covariates,
            weights=self.weights,
            cluster=self.cluster,
            source=self.source,
            confidence=confidence,
            n_units=self.panel.n_units,
            n_periods=self.panel.n_periods,
            periods=tuple(int(p) for p in self.panel.periods),
            cohort_sizes=self.panel.cohort_sizes(),
            att_gt=att_gt,
            base_periods=dict(zip(cell_keys, cells.base_period.tolist(), strict=True)),
            simple=single(aggregations.simple),
            group=Aggregation(family(aggregations.group, aggregations.group.labels), "group"),
            event_time=Aggregation(
                family(aggregations.event_time, aggregations.event_time.labels), "event_time"
            ),
            calendar=Aggregation(
                family(aggregations.calendar, aggregations.calendar.labels), "period"
            ),
            overall_group=single(aggregations.overall_group),
            overall_event_time=single(aggregations.overall_event_time),
            overall_calendar=single(aggregations.overall_calendar),
            sensitivity=None,
            event_time_covariance=tuple(
                tuple(float(v) for v in row)
                for row in moments.covariance(aggregations.event_time) / moments.n_units**2
            ),
            twfe=twfe,
            pretest=pretest,
            staggered=staggered,
            warnings=tuple(_warnings(self.panel, cells.skipped, staggered, twfe)),
            notes=(*self.panel.notes, *_twfe_notes(twfe, self.covariates)),
            dropped=tuple(d.to_dict() for d in self.panel.dropped),
            meta={
                "countyhub": _version(),
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "data_sha256": self.data_sha256,
                "command": self._call(confidence, seed, bootstrap),
                "method": (
                    f"Callaway-Sant'Anna (2021) ATT(g, t), {METHOD_WORDS[self.design.method]}, "
                    f"{self.design.base_period} base period, anticipation "
                    f"{self.design.anticipation}"
                ),
                "standard_errors": f"{standard_errors}, {clustered}",
                "band": (
                    f"sup-t, multiplier bootstrap, {bootstrap} draws"
                    if bootstrap
                    else f"sup-t, Gaussian multiplier bootstrap, {BAND_DRAWS} draws"
                ),
                "seed": seed,
                "n_units": self.panel.n_units,
                "n_obs": (
                    len(self.panel.rows.unit)
                    if self.panel.rows is not None
                    else self.panel.n_units * self.panel.n_periods
                ),
                "layout": self.panel.kind,
                "n_clusters": moments.n_clusters,
            },
        )

    def _call(self, confidence: float, seed: int, bootstrap: int) -> str:
        """The Python call that repeats this fit (the command line replaces it on the CLI)."""
        options: dict[str, object] = {
            **self.columns,
            **({"unit": None} if self.layout == "cross_section" else {}),
            "control": self.design.control,
            "covariates": list(self.covariates),
            "method": self.design.method,
            "base_period": self.design.base_period,
            "anticipation": self.design.anticipation,
            "weights": self.weights,
            "cluster": self.cluster,
            "layout": self.layout,
        }
        spec = ", ".join(f"{k}={v!r}" for k, v in options.items())
        return (
            f"StaggeredDiD(data, {spec}).fit(confidence={confidence!r}, seed={seed}, "
            f"bootstrap={bootstrap})"
        )


def _require_choice(name: str, value: object, choices: Sequence[str]) -> None:
    if value not in choices:
        raise AnalysisError(
            f"{name} must be one of {', '.join(repr(c) for c in choices)}, not {value!r}"
        )


def _frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the table's content (row hashes of pandas), for stamping results."""
    rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    header = "\x1f".join(map(str, frame.columns)).encode()
    return hashlib.sha256(header + rows.tobytes()).hexdigest()


def _twfe_notes(twfe: TwoWayFixedEffects, covariates: Sequence[str]) -> list[str]:
    if not covariates:
        return []
    if twfe.absorbed:
        return [
            "the naive TWFE is not conditioned on the same covariates as the CS estimate: "
            f"{', '.join(twfe.absorbed)} do not change within units and are absorbed by the "
            "unit fixed effects (the CS estimate conditions on their base-period values)"
        ]
    return [
        f"the naive TWFE includes the covariates {', '.join(covariates)} as time-varying "
        "regressors; the CS estimate uses their base-period values"
    ]


def _estimates(values: Family, std_errors: np.ndarray, z: float, critical: float) -> list[Estimate]:
    out = []
    for att, se in zip(values.att.tolist(), std_errors.tolist(), strict=True):
        # The universal base period's own cells are zero by construction: no SE (R did: NA).
        se = float("nan") if se <= REFERENCE_SE else se
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
