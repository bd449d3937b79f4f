"""Group-time average treatment effects ATT(g, t) and their influence functions.

Follows R ``did::att_gt`` (Callaway & Sant'Anna 2021) for panel data: each cell compares the
change in the outcome of cohort g from its base period to period t with the change of the
comparison units, by one of the two-period estimators of ``DRDID``: doubly robust
(``drdid_panel``, Sant'Anna & Zhao 2020), inverse probability weighting (``std_ipw_did_panel``,
normalised weights) or outcome regression (``reg_did_panel``). Sampling weights are normalised to
mean one within each cell, as ``DRDID`` does. Without covariates all three reduce to the difference
of (weighted) mean changes, computed here in closed form. Influence functions are kept per unit so
every aggregation and its analytic standard error follow exactly as in ``did::aggte``.

Unbalanced panels and repeated cross-sections use ``DRDID``'s repeated cross-section estimators
(``drdid_rc``, ``std_ipw_did_rc``, ``reg_did_rc``) on the rows of the cell's two periods, with
each row's own covariates; a unit's influence function is the sum over its rows.

Base periods: ``varying`` compares each pre-treatment period with the one before it (a placebo
per step) and ``universal`` compares every period with the last one before treatment (minus the
anticipation periods), whose own cell is the reference fixed at zero. With ``anticipation`` = k
the base period of post-treatment cells is the last period before g - k, and not-yet-treated
comparison units must be first treated after max(t, base) + k.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import expit

from countyhub.analysis.did.panel import NEVER, Panel
from countyhub.analysis.errors import AnalysisError

Control = Literal["never", "notyet"]
Method = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]
Progress = Callable[[int, int], None]
METHODS: tuple[Method, ...] = ("dr", "ipw", "reg")
BASE_PERIODS: tuple[BasePeriod, ...] = ("varying", "universal")

PS_CEILING = 1 - 1e-6  # DRDID caps the propensity score so the control weights stay finite
LOGIT_TOL = 1e-10
LOGIT_MAX_ITER = 50


@dataclass(frozen=True)
class Design:
    """How the cells are formed and estimated."""

    control: Control = "never"
    method: Method = "dr"
    base_period: BasePeriod = "varying"
    anticipation: int = 0


@dataclass(frozen=True)
class GroupTimeCells:
    """Estimated cells: cohort, period, base period, ATT, and the n x cells influence matrix.

    ``reference`` marks the universal base period's own cells: zero by construction, no SE.
    """

    cohort: np.ndarray
    period: np.ndarray
    base_period: np.ndarray
    att: np.ndarray
    influence: np.ndarray
    n_treated: np.ndarray
    n_control: np.ndarray
    reference: np.ndarray
    skipped: tuple[tuple[int, int], ...]


def cell_plan(panel: Panel, design: Design) -> list[tuple[int, int, int]]:
    """(cohort, period index, base period index) for every cell, in R did's order."""
    periods = panel.periods
    plan = []
    first = 0 if design.base_period == "universal" else 1
    for g in panel.cohorts:
        # The last period before treatment, anticipation periods excluded (did's "pret").
        last_before = int(np.searchsorted(periods, g - design.anticipation, side="left")) - 1
        if last_before < 0:
            continue  # no untreated period: build_panel has dropped such units already
        for s in range(first, len(periods)):
            # Varying: each pre-treatment step is its own placebo.
            fixed = design.base_period == "universal" or periods[s] >= g
            base = last_before if fixed else s - 1
            plan.append((int(g), s, base))
    return plan


def control_mask(cohort: np.ndarray, g: int, period: int, design: Design) -> np.ndarray:
    """Comparison units: never treated, or (not-yet) also those first treated after ``period``.

    ``period`` is max(t, base period); a unit first treated within the anticipation window of it
    is already affected and does not compare.
    """
    never: np.ndarray = cohort == NEVER
    if design.control == "never":
        return never
    later = cohort > period + design.anticipation
    also_later: np.ndarray = never | (later & (cohort != g))
    return also_later


def estimate_cells(
    panel: Panel, design: Design, progress: Progress | None = None
) -> GroupTimeCells:
    """Estimate every ATT(g, t) the comparison group allows; skip (and list) the others."""
    plan = cell_plan(panel, design)
    n = panel.n_units
    influence = np.zeros((n, len(plan)), order="F")
    rows: list[tuple[int, int, int, float, int, int, bool]] = []
    kept: list[int] = []
    skipped: list[tuple[int, int]] = []
    has_covariates = panel.covariates.shape[2] > 0
    for k, (g, s, base) in enumerate(plan):
        period = int(panel.periods[s])
        treated = panel.cohort == g
        control_units = control_mask(panel.cohort, g, int(panel.periods[max(s, base)]), design)
        n_treated, n_control = int(treated.sum()), int(control_units.sum())
        if s == base:  # the universal base period itself: the reference, zero by definition
            rows.append((g, period, period, 0.0, n_treated, n_control, True))
            kept.append(k)
        elif n_control == 0:
            skipped.append((g, period))
        elif panel.rows is not None:
            try:
                att = _rows_cell(
                    panel, design.method, s, base, treated, control_units, influence[:, k]
                )
            except AnalysisError as exc:
                raise AnalysisError(f"cohort {g}, period {period}: {exc}") from exc
            if att is None:
                skipped.append((g, period))
                continue
            rows.append((g, period, int(panel.periods[base]), att, n_treated, n_control, False))
            kept.append(k)
        else:
            change = panel.outcome[:, s] - panel.outcome[:, base]
            if has_covariates:
                try:
                    att = _covariate_cell(
                        design.method,
                        change,
                        treated,
                        control_units,
                        panel.covariates[:, base, :],
                        panel.weights,
                        influence[:, k],
                    )
                except AnalysisError as exc:
                    raise AnalysisError(f"cohort {g}, period {period}: {exc}") from exc
            else:
                att = _mean_change_cell(
                    change, treated, control_units, panel.weights, influence[:, k]
                )
            rows.append((g, period, int(panel.periods[base]), att, n_treated, n_control, False))
            kept.append(k)
        if progress is not None:
            progress(k + 1, len(plan))
    if not any(not row[-1] for row in rows):
        raise AnalysisError(
            "no cohort has a comparison group in any period: with control='never' the panel "
            "needs never-treated units, with control='notyet' units treated later"
        )
    if len(kept) < len(plan):  # copying the influence matrix costs memory: only when needed
        influence = np.asfortranarray(influence[:, kept])
    columns = list(zip(*rows, strict=True))
    return GroupTimeCells(
        cohort=np.asarray(columns[0], dtype=np.int64),
        period=np.asarray(columns[1], dtype=np.int64),
        base_period=np.asarray(columns[2], dtype=np.int64),
        att=np.asarray(columns[3], dtype=np.float64),
        influence=influence,
        n_treated=np.asarray(columns[4], dtype=np.int64),
        n_control=np.asarray(columns[5], dtype=np.int64),
        reference=np.asarray(columns[6], dtype=bool),
        skipped=tuple(skipped),
    )


def _mean_change_cell(
    change: np.ndarray,
    treated: np.ndarray,
    control: np.ndarray,
    weights: np.ndarray,
    out: np.ndarray,
) -> float:
    """Difference of weighted mean changes; its influence function, scaled to all n units.

    This is each of ``DRDID``'s panel estimators with an intercept only: the propensity score is
    the (weighted) treated share of the cell's units and the outcome regression the comparison
    mean, so the estimation-effect terms vanish and the influence function is
    n/n_cell [w D (dY - m1) / mean(w D) - w C (dY - m0) / mean(w C)], weights of mean one.
    """
    n = change.shape[0]
    w_treated, w_control = weights[treated], weights[control]
    mean_treated = float(w_treated @ change[treated] / w_treated.sum())
    mean_control = float(w_control @ change[control] / w_control.sum())
    # Normalising the weights within the cell cancels out of these ratios.
    out[treated] = w_treated * (change[treated] - mean_treated) * (n / w_treated.sum())
    out[control] = -w_control * (change[control] - mean_control) * (n / w_control.sum())
    return mean_treated - mean_control


def _covariate_cell(
    method: Method,
    change: np.ndarray,
    treated: np.ndarray,
    control: np.ndarray,
    covariates: np.ndarray,
    weights: np.ndarray,
    out: np.ndarray,
) -> float:
    """One of ``DRDID``'s panel estimators on the cell's units; the IF scaled to n units."""
    n = change.shape[0]
    members = treated | control
    n_cell = int(members.sum())
    w = weights[members] / weights[members].mean()
    delta_y = change[members]
    d = treated[members].astype(np.float64)
    untreated = 1.0 - d
    X = np.column_stack([np.ones(n_cell), covariates[members]])
    if method == "ipw":
        att, influence = _ipw(delta_y, d, untreated, X, w)
    elif method == "reg":
        att, influence = _regression(delta_y, d, untreated, X, w)
    else:
        att, influence = _doubly_robust(delta_y, d, untreated, X, w)
    # did::att_gt rescales the cell's influence function to the whole sample of n units.
    out[members] = influence * (n / n_cell)
    return att


def _rows_cell(
    panel: Panel,
    method: Method,
    s: int,
    base: int,
    treated: np.ndarray,
    control: np.ndarray,
    out: np.ndarray,
) -> float | None:
    """A cell from the rows of periods s and base (``DRDID``'s repeated cross-section
    estimators); each unit's influence function is the sum over its rows, scaled to n units as
    did::att_gt does. None when a group is missing from one of the two periods."""
    rows = panel.rows
    assert rows is not None
    chosen = ((rows.period == s) | (rows.period == base)) & (treated | control)[rows.unit]
    units = rows.unit[chosen]
    post = (rows.period[chosen] == s).astype(np.float64)
    d = treated[units].astype(np.float64)
    for group in (d * post, d * (1 - post), (1 - d) * post, (1 - d) * (1 - post)):
        if not group.any():
            return None
    w = panel.weights[units]
    w = w / w.mean()
    X = np.column_stack([np.ones(len(units)), rows.covariates[chosen]])
    y = rows.outcome[chosen]
    if method == "ipw":
        att, influence = _ipw_rc(y, post, d, X, w)
    elif method == "reg":
        att, influence = _regression_rc(y, post, d, X, w)
    else:
        att, influence = _doubly_robust_rc(y, post, d, X, w)
    out[:] = np.bincount(units, weights=influence, minlength=panel.n_units) * (
        panel.n_units / len(units)
    )
    return att


def _ols_fit(y: np.ndarray, X: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted OLS on the rows with positive ``weights``: fitted values for every row and the
    estimate's asymptotic linear representation (DRDID's asy.lin.rep.ols)."""
    members = weights > 0
    beta = _least_squares(X[members], y[members], weights[members])
    fitted = X @ beta
    gram_inv = _inverse((weights[:, None] * X).T @ X / X.shape[0])
    linear = (weights * (y - fitted))[:, None] * X @ gram_inv
    return fitted, linear


def _share_mean(values: np.ndarray, weights: np.ndarray) -> tuple[float, np.ndarray]:
    """mean(weights * values) / mean(weights) and its influence function."""
    scale = np.mean(weights)
    mean = float(np.mean(weights * values) / scale)
    return mean, weights * (values - mean) / scale


def _regression_rc(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """``DRDID::reg_did_rc``."""
    fit_pre, lin_pre = _ols_fit(y, X, w * (1 - d) * (1 - post))
    fit_post, lin_post = _ols_fit(y, X, w * (1 - d) * post)
    treat_pre, inf_treat_pre = _share_mean(y, w * d * (1 - post))
    treat_post, inf_treat_post = _share_mean(y, w * d * post)
    w_cont = w * d
    eta_cont, inf_cont_1 = _share_mean(fit_post - fit_pre, w_cont)
    m1 = np.mean(w_cont[:, None] * X, axis=0) / np.mean(w_cont)
    inf_control = inf_cont_1 + lin_post @ m1 - lin_pre @ m1
    influence = (inf_treat_post - inf_treat_pre) - inf_control
    return (treat_post - treat_pre) - eta_cont, influence


def _ipw_rc(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """``DRDID::std_ipw_did_rc``."""
    ps, hessian_inv = _logit(X, d, w)
    ps = np.minimum(ps, PS_CEILING)
    odds = ps * (1 - d) / (1 - ps)
    treat_pre, inf_treat_pre = _share_mean(y, w * d * (1 - post))
    treat_post, inf_treat_post = _share_mean(y, w * d * post)
    w_cont_pre, w_cont_post = w * odds * (1 - post), w * odds * post
    cont_pre, inf_cont_pre = _share_mean(y, w_cont_pre)
    cont_post, inf_cont_post = _share_mean(y, w_cont_post)
    ps_linear = ((w * (d - ps))[:, None] * X) @ hessian_inv
    m2_pre = np.mean((w_cont_pre * (y - cont_pre))[:, None] * X, 0) / np.mean(w_cont_pre)
    m2_post = np.mean((w_cont_post * (y - cont_post))[:, None] * X, 0) / np.mean(w_cont_post)
    inf_cont = inf_cont_post - inf_cont_pre + ps_linear @ (m2_post - m2_pre)
    influence = (inf_treat_post - inf_treat_pre) - inf_cont
    return (treat_post - treat_pre) - (cont_post - cont_pre), influence


def _doubly_robust_rc(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """``DRDID::drdid_rc``: the locally efficient doubly robust estimator."""
    ps, hessian_inv = _logit(X, d, w)
    ps = np.minimum(ps, PS_CEILING)
    cont_pre_fit, lin_pre = _ols_fit(y, X, w * (1 - d) * (1 - post))
    cont_post_fit, lin_post = _ols_fit(y, X, w * (1 - d) * post)
    treat_pre_fit, lin_pre_treat = _ols_fit(y, X, w * d * (1 - post))
    treat_post_fit, lin_post_treat = _ols_fit(y, X, w * d * post)
    cont_fit = post * cont_post_fit + (1 - post) * cont_pre_fit
    odds = ps * (1 - d) / (1 - ps)
    w_treat_pre, w_treat_post = w * d * (1 - post), w * d * post
    w_cont_pre, w_cont_post = w * odds * (1 - post), w * odds * post
    w_d, w_dt1, w_dt0 = w * d, w * d * post, w * d * (1 - post)
    residual = y - cont_fit
    treat_pre, inf_treat_pre = _share_mean(residual, w_treat_pre)
    treat_post, inf_treat_post = _share_mean(residual, w_treat_post)
    cont_pre, inf_cont_pre = _share_mean(residual, w_cont_pre)
    cont_post, inf_cont_post = _share_mean(residual, w_cont_post)
    gap_post, gap_pre = treat_post_fit - cont_post_fit, treat_pre_fit - cont_pre_fit
    # _share_mean's IF subtracts the mean, as DRDID's eta - w * att / mean(w) terms do.
    d_post, inf_d_post = _share_mean(gap_post, w_d)
    dt1_post, inf_dt1_post = _share_mean(gap_post, w_dt1)
    d_pre, inf_d_pre = _share_mean(gap_pre, w_d)
    dt0_pre, inf_dt0_pre = _share_mean(gap_pre, w_dt0)
    att = (
        (treat_post - treat_pre) - (cont_post - cont_pre) + (d_post - dt1_post) - (d_pre - dt0_pre)
    )

    def colmean(values: np.ndarray) -> np.ndarray:
        result: np.ndarray = np.mean(values[:, None] * X, axis=0)
        return result

    m1_post = -colmean(w_treat_post * post) / np.mean(w_treat_post)
    m1_pre = -colmean(w_treat_pre * (1 - post)) / np.mean(w_treat_pre)
    inf_treat = inf_treat_post - inf_treat_pre + lin_post @ m1_post + lin_pre @ m1_pre
    ps_linear = ((w * (d - ps))[:, None] * X) @ hessian_inv
    m2_pre = colmean(w_cont_pre * (residual - cont_pre)) / np.mean(w_cont_pre)
    m2_post = colmean(w_cont_post * (residual - cont_post)) / np.mean(w_cont_post)
    m3_post = -colmean(w_cont_post * post) / np.mean(w_cont_post)
    m3_pre = -colmean(w_cont_pre * (1 - post)) / np.mean(w_cont_pre)
    inf_cont = (
        inf_cont_post
        - inf_cont_pre
        + ps_linear @ (m2_post - m2_pre)
        + lin_post @ m3_post
        + lin_pre @ m3_pre
    )
    inf_eff = (inf_d_post - inf_dt1_post) - (inf_d_pre - inf_dt0_pre)
    mom_post = colmean(w_d / np.mean(w_d) - w_dt1 / np.mean(w_dt1))
    mom_pre = colmean(w_d / np.mean(w_d) - w_dt0 / np.mean(w_dt0))
    inf_or = (lin_post_treat - lin_post) @ mom_post - (lin_pre_treat - lin_pre) @ mom_pre
    return att, inf_treat - inf_cont + inf_eff + inf_or


def _outcome_regression(
    delta_y: np.ndarray, untreated: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted OLS of the change on X among the comparison units: fitted values for all, and
    the OLS estimate's asymptotic linear representation."""
    comparison = untreated == 1
    beta = _least_squares(X[comparison], delta_y[comparison], w[comparison])
    fitted = X @ beta
    weights_ols = w * untreated
    gram_inv = _inverse((weights_ols[:, None] * X).T @ X / X.shape[0])
    linear = (weights_ols * (delta_y - fitted))[:, None] * X @ gram_inv
    return fitted, linear


def _doubly_robust(
    delta_y: np.ndarray, d: np.ndarray, untreated: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """``DRDID::drdid_panel``: Sant'Anna & Zhao (2020) doubly robust DiD."""
    ps, hessian_inv = _logit(X, d, w)
    ps = np.minimum(ps, PS_CEILING)
    fitted, ols_linear = _outcome_regression(delta_y, untreated, X, w)
    w_treat = w * d
    w_cont = w * ps * untreated / (1.0 - ps)
    residual = delta_y - fitted
    eta_treat = np.mean(w_treat * residual) / np.mean(w_treat)
    eta_cont = np.mean(w_cont * residual) / np.mean(w_cont)
    ps_linear = ((w * (d - ps))[:, None] * X) @ hessian_inv
    inf_treat = (
        w_treat * residual - w_treat * eta_treat - ols_linear @ np.mean(w_treat[:, None] * X, 0)
    ) / np.mean(w_treat)
    m2 = np.mean((w_cont * (residual - eta_cont))[:, None] * X, axis=0)
    m3 = np.mean(w_cont[:, None] * X, axis=0)
    inf_cont = w_cont * residual - w_cont * eta_cont + ps_linear @ m2 - ols_linear @ m3
    inf_cont = inf_cont / np.mean(w_cont)
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _ipw(
    delta_y: np.ndarray, d: np.ndarray, untreated: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """``DRDID::std_ipw_did_panel``: inverse probability weighting with normalised weights."""
    ps, hessian_inv = _logit(X, d, w)
    ps = np.minimum(ps, PS_CEILING)
    w_treat = w * d
    w_cont = w * ps * untreated / (1.0 - ps)
    eta_treat = np.mean(w_treat * delta_y) / np.mean(w_treat)
    eta_cont = np.mean(w_cont * delta_y) / np.mean(w_cont)
    ps_linear = ((w * (d - ps))[:, None] * X) @ hessian_inv
    inf_treat = (w_treat * delta_y - w_treat * eta_treat) / np.mean(w_treat)
    m2 = np.mean((w_cont * (delta_y - eta_cont))[:, None] * X, axis=0)
    inf_cont = (w_cont * delta_y - w_cont * eta_cont + ps_linear @ m2) / np.mean(w_cont)
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _regression(
    delta_y: np.ndarray, d: np.ndarray, untreated: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[float, np.ndarray]:
    """``DRDID::reg_did_panel``: outcome regression (Heckman, Ichimura & Todd 1997)."""
    fitted, ols_linear = _outcome_regression(delta_y, untreated, X, w)
    w_treat = w * d
    eta_treat = np.mean(w_treat * delta_y) / np.mean(w_treat)
    eta_cont = np.mean(w_treat * fitted) / np.mean(w_treat)
    inf_treat = (w_treat * delta_y - w_treat * eta_treat) / np.mean(w_treat)
    m1 = np.mean(w_treat[:, None] * X, axis=0)
    inf_cont = (w_treat * fitted - w_treat * eta_cont + ols_linear @ m1) / np.mean(w_treat)
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def _logit(X: np.ndarray, d: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted logistic regression by Newton's method; fitted P(D=1|X) and (X'WX / n)^-1."""
    n = X.shape[0]
    beta = np.zeros(X.shape[1])
    for iteration in range(LOGIT_MAX_ITER):
        ps = expit(X @ beta)
        information = ((w * ps * (1.0 - ps))[:, None] * X).T @ X
        try:
            step = _solve(information, X.T @ (w * (d - ps)))
        except AnalysisError:
            if iteration == 0:  # at the start every weight is 1/4: the covariates are collinear
                raise
            raise AnalysisError(_SEPARATION) from None
        beta = beta + step
        if np.max(np.abs(step)) < LOGIT_TOL:
            break
    else:
        raise AnalysisError(_SEPARATION)
    ps = expit(X @ beta)
    information = ((w * ps * (1.0 - ps))[:, None] * X).T @ X / n
    return ps, _inverse(information)


_SEPARATION = (
    "the propensity score does not converge: the covariates (nearly) separate the cohort from "
    "its comparison group; use fewer or coarser covariates"
)


def _least_squares(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    if X.shape[0] <= X.shape[1]:
        raise AnalysisError(
            f"only {X.shape[0]} comparison units for {X.shape[1] - 1} covariate(s) in a "
            "group-time cell; use fewer covariates or more units"
        )
    weighted = w[:, None] * X
    return _solve(weighted.T @ X, weighted.T @ y)


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError as exc:
        raise AnalysisError(
            "the covariates are collinear (or constant) within a cohort and its comparison "
            "group; drop the redundant covariates"
        ) from exc


def _inverse(A: np.ndarray) -> np.ndarray:
    return _solve(A, np.eye(A.shape[0]))
