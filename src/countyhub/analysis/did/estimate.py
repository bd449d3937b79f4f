"""Group-time average treatment effects ATT(g, t) and their influence functions.

Follows R ``did::att_gt`` with ``est_method="dr"`` and a varying base period (Callaway & Sant'Anna
2021): each cell compares the change in the outcome of cohort g from its base period to period t
with the change of the comparison units, by the doubly robust estimator of Sant'Anna & Zhao
(2020, ``DRDID::drdid_panel``). Without covariates that estimator is the difference of mean
changes, computed here in closed form. Influence functions are kept per unit so every aggregation
and its analytic standard error follow exactly as in ``did::aggte``.
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
Progress = Callable[[int, int], None]

PS_CEILING = 1 - 1e-6  # DRDID caps the propensity score so the control weights stay finite
LOGIT_TOL = 1e-10
LOGIT_MAX_ITER = 50


@dataclass(frozen=True)
class GroupTimeCells:
    """Estimated cells: cohort, period, base period, ATT, and the n x cells influence matrix."""

    cohort: np.ndarray
    period: np.ndarray
    base_period: np.ndarray
    att: np.ndarray
    influence: np.ndarray
    n_treated: np.ndarray
    n_control: np.ndarray
    skipped: tuple[tuple[int, int], ...]


def cell_plan(panel: Panel) -> list[tuple[int, int, int]]:
    """(cohort, period index, base period index) for every cell, in R did's order."""
    periods = panel.periods
    plan = []
    for g in panel.cohorts:
        last_before = int(np.searchsorted(periods, g, side="left")) - 1
        for s in range(1, len(periods)):
            # Varying base period: pre-treatment cells compare consecutive periods (a placebo
            # for each step), post-treatment cells compare with the last period before g.
            base = last_before if periods[s] >= g else s - 1
            plan.append((int(g), s, base))
    return plan


def control_mask(cohort: np.ndarray, g: int, period: int, control: Control) -> np.ndarray:
    """Comparison units: never treated, or (not-yet) also those first treated after ``period``."""
    never: np.ndarray = cohort == NEVER
    if control == "never":
        return never
    # R did: never treated, or treated after max(t, base) + anticipation, other than g itself.
    also_later: np.ndarray = never | ((cohort > period) & (cohort != g))
    return also_later


def estimate_cells(
    panel: Panel, control: Control, progress: Progress | None = None
) -> GroupTimeCells:
    """Estimate every ATT(g, t) the comparison group allows; skip (and list) the others."""
    plan = cell_plan(panel)
    n = panel.n_units
    influence = np.zeros((n, len(plan)), order="F")
    rows: list[tuple[int, int, int, float, int, int]] = []
    skipped: list[tuple[int, int]] = []
    has_covariates = panel.covariates.shape[2] > 0
    for k, (g, s, base) in enumerate(plan):
        period = int(panel.periods[s])
        treated = panel.cohort == g
        control_units = control_mask(panel.cohort, g, period, control)
        n_treated, n_control = int(treated.sum()), int(control_units.sum())
        if n_control == 0:
            skipped.append((g, period))
        else:
            change = panel.outcome[:, s] - panel.outcome[:, base]
            if has_covariates:
                try:
                    att = _doubly_robust_cell(
                        change,
                        treated,
                        control_units,
                        panel.covariates[:, base, :],
                        influence[:, k],
                    )
                except AnalysisError as exc:
                    raise AnalysisError(f"cohort {g}, period {period}: {exc}") from exc
            else:
                att = _mean_change_cell(change, treated, control_units, influence[:, k])
            rows.append((g, period, int(panel.periods[base]), att, n_treated, n_control))
        if progress is not None:
            progress(k + 1, len(plan))
    if not rows:
        raise AnalysisError(
            "no cohort has a comparison group in any period: with control='never' the panel "
            "needs never-treated units, with control='notyet' units treated later"
        )
    if skipped:  # copying the influence matrix costs memory: only when cells are missing
        estimated = [
            k for k, (g, s, _) in enumerate(plan) if (g, int(panel.periods[s])) not in skipped
        ]
        influence = np.asfortranarray(influence[:, estimated])
    columns = list(zip(*rows, strict=True))
    return GroupTimeCells(
        cohort=np.asarray(columns[0], dtype=np.int64),
        period=np.asarray(columns[1], dtype=np.int64),
        base_period=np.asarray(columns[2], dtype=np.int64),
        att=np.asarray(columns[3], dtype=np.float64),
        influence=influence,
        n_treated=np.asarray(columns[4], dtype=np.int64),
        n_control=np.asarray(columns[5], dtype=np.int64),
        skipped=tuple(skipped),
    )


def _mean_change_cell(
    change: np.ndarray, treated: np.ndarray, control: np.ndarray, out: np.ndarray
) -> float:
    """Difference of mean changes; its influence function, scaled to all n units, into ``out``.

    This is ``drdid_panel`` with an intercept only: the propensity score is the treated share of
    the cell's units and the outcome regression the comparison mean, so the estimation-effect
    terms vanish and the influence function is n [D (dY - m1) / n1 - C (dY - m0) / n0].
    """
    n = change.shape[0]
    n_treated, n_control = treated.sum(), control.sum()
    mean_treated = change[treated].mean()
    mean_control = change[control].mean()
    out[treated] = (change[treated] - mean_treated) * (n / n_treated)
    out[control] = (change[control] - mean_control) * (-n / n_control)
    return float(mean_treated - mean_control)


def _doubly_robust_cell(
    change: np.ndarray,
    treated: np.ndarray,
    control: np.ndarray,
    covariates: np.ndarray,
    out: np.ndarray,
) -> float:
    """Sant'Anna & Zhao (2020) doubly robust DiD on the cell's units (``DRDID::drdid_panel``)."""
    n = change.shape[0]
    members = treated | control
    n_cell = int(members.sum())
    delta_y = change[members]
    d = treated[members].astype(np.float64)
    X = np.column_stack([np.ones(n_cell), covariates[members]])
    ps, hessian_inv = _logit(X, d)
    ps = np.minimum(ps, PS_CEILING)
    untreated = 1.0 - d
    beta = _least_squares(X[untreated == 1], delta_y[untreated == 1])
    fitted_change = X @ beta
    w_treat = d
    w_cont = ps * untreated / (1.0 - ps)
    residual = delta_y - fitted_change
    eta_treat = np.mean(w_treat * residual) / np.mean(w_treat)
    eta_cont = np.mean(w_cont * residual) / np.mean(w_cont)

    ols_gram_inv = np.linalg.inv((untreated[:, None] * X).T @ X / n_cell)
    ols_linear = (untreated * residual)[:, None] * X @ ols_gram_inv
    ps_linear = ((d - ps)[:, None] * X) @ hessian_inv
    inf_treat = (
        w_treat * residual - w_treat * eta_treat - ols_linear @ np.mean(w_treat[:, None] * X, 0)
    ) / np.mean(w_treat)
    m2 = np.mean((w_cont * (residual - eta_cont))[:, None] * X, axis=0)
    m3 = np.mean(w_cont[:, None] * X, axis=0)
    inf_cont = w_cont * residual - w_cont * eta_cont + ps_linear @ m2 - ols_linear @ m3
    inf_cont = inf_cont / np.mean(w_cont)
    # did::att_gt rescales the cell's influence function to the whole sample of n units.
    out[members] = (inf_treat - inf_cont) * (n / n_cell)
    return float(eta_treat - eta_cont)


def _logit(X: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logistic regression by Newton's method; fitted P(D=1|X) and (X'WX / n)^-1."""
    n = X.shape[0]
    beta = np.zeros(X.shape[1])
    for iteration in range(LOGIT_MAX_ITER):
        ps = expit(X @ beta)
        information = ((ps * (1.0 - ps))[:, None] * X).T @ X
        try:
            step = _solve(information, X.T @ (d - ps))
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
    information = ((ps * (1.0 - ps))[:, None] * X).T @ X / n
    return ps, _inverse(information)


_SEPARATION = (
    "the propensity score does not converge: the covariates (nearly) separate the cohort from "
    "its comparison group; use fewer or coarser covariates"
)


def _least_squares(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    if X.shape[0] <= X.shape[1]:
        raise AnalysisError(
            f"only {X.shape[0]} comparison units for {X.shape[1] - 1} covariate(s) in a "
            "group-time cell; use fewer covariates or more units"
        )
    return _solve(X.T @ X, X.T @ y)


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
