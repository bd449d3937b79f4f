"""The naive two-way fixed-effects DiD, to show how far it is from the robust estimate.

y_it = a_i + l_t + b D_it (+ covariates) + e_it with D_it = 1 from the unit's first treated
period on. On a balanced panel the two fixed effects are removed exactly by double demeaning
(sampling weights weight the least squares). The CRV1 variance, clustered by unit or by the extra
clustering variable when one is given, uses the small-sample factor of ``pyfixest`` (and Stata's
``reghdfe``): G/(G-1) (N-1)/(N-K), with the unit effects nested in the clusters not counted in K.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from countyhub.analysis.did.panel import NEVER, Panel

COLLINEAR_TOL = 1e-10
DEMEAN_MAX_ITER = 10_000


@dataclass(frozen=True)
class TwoWayFixedEffects:
    """Naive TWFE coefficient on the treatment dummy, its unit-clustered standard error and CI."""

    coef: float
    std_error: float
    ci_low: float
    ci_high: float
    n_obs: int
    n_clusters: int
    absorbed: tuple[str, ...] = ()  # covariates constant within units, left out


def treatment_indicator(panel: Panel) -> np.ndarray:
    treated = panel.cohort != NEVER
    indicator: np.ndarray = treated[:, None] & (panel.periods[None, :] >= panel.cohort[:, None])
    return indicator.astype(float)


def _demean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Remove unit and period effects. With weights constant within units the weighted period
    means make this the exact weighted two-way within transformation on a balanced panel."""
    unit_means = values.mean(axis=1, keepdims=True)
    period_means = weights @ values / weights.sum()
    demeaned: np.ndarray = values - unit_means - period_means[None, :] + period_means.mean()
    return demeaned


def estimate_twfe(panel: Panel, *, alpha: float) -> TwoWayFixedEffects:
    """The TWFE estimate with its normal ``1 - alpha`` interval (as the robust estimates')."""
    if panel.rows is not None:
        return _estimate_twfe_rows(panel, alpha=alpha)
    n_units, n_periods = panel.outcome.shape
    w = panel.weights
    regressors = [_demean(treatment_indicator(panel), w)]
    absorbed = []
    for k, name in enumerate(panel.covariate_names):
        demeaned = _demean(panel.covariates[:, :, k], w)
        # Covariates fixed within a unit are absorbed by its fixed effect: leave them out.
        if np.abs(demeaned).max() > COLLINEAR_TOL * max(1.0, np.abs(panel.covariates).max()):
            regressors.append(demeaned)
        else:
            absorbed.append(name)
    X = np.stack(regressors, axis=-1)  # units x periods x regressors
    y = _demean(panel.outcome, w)
    gram = np.einsum("i,itk,itl->kl", w, X, X)
    bread = np.linalg.pinv(gram)
    beta = bread @ np.einsum("i,itk,it->k", w, X, y)
    residual = y - X @ beta
    scores = w[:, None] * np.einsum("itk,it->ik", X, residual)
    if panel.clusters.shape[1]:  # units nested in the extra clusters: sum their scores
        cluster = panel.clusters[:, 0]
        summed = np.zeros((int(cluster.max()) + 1, scores.shape[1]))
        np.add.at(summed, cluster, scores)
        scores = summed
    n_clusters = scores.shape[0]
    meat = scores.T @ scores
    n_obs = n_units * n_periods
    n_params = X.shape[2] + n_periods  # regressors and time effects; unit effects are nested
    factor = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - n_params)
    variance = factor * bread @ meat @ bread
    coef = float(beta[0])
    std_error = float(np.sqrt(variance[0, 0]))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return TwoWayFixedEffects(
        coef=coef,
        std_error=std_error,
        ci_low=coef - z * std_error,
        ci_high=coef + z * std_error,
        n_obs=n_obs,
        n_clusters=n_clusters,
        absorbed=tuple(absorbed),
    )


def _estimate_twfe_rows(panel: Panel, *, alpha: float) -> TwoWayFixedEffects:
    """TWFE on the rows of an unbalanced panel (unit and period effects) or of cross-sections
    (cohort and period effects, the cross-section analogue), by alternating projections."""
    rows = panel.rows
    assert rows is not None
    cross_section = panel.kind == "cross_section"
    cohort = panel.cohort[rows.unit]
    first = np.unique(cohort, return_inverse=True)[1] if cross_section else rows.unit
    w = panel.weights[rows.unit]
    treated_now = ((cohort != NEVER) & (panel.periods[rows.period] >= cohort)).astype(float)
    columns = [treated_now, *rows.covariates.T]
    names = ("", *panel.covariate_names)
    demeaned = [_demean_rows(c, first, rows.period, w) for c in columns]
    scale = max(1.0, float(np.abs(rows.covariates).max(initial=0.0)))
    absorbed = [
        name
        for name, column in zip(names[1:], demeaned[1:], strict=True)
        if np.abs(column).max() <= COLLINEAR_TOL * scale
    ]
    X = np.column_stack(
        [demeaned[0]]
        + [c for name, c in zip(names[1:], demeaned[1:], strict=True) if name not in absorbed]
    )
    y = _demean_rows(rows.outcome, first, rows.period, w)
    bread = np.linalg.pinv((w[:, None] * X).T @ X)
    beta = bread @ ((w[:, None] * X).T @ y)
    scores = (w * (y - X @ beta))[:, None] * X
    cluster = panel.clusters[rows.unit, 0] if panel.clusters.shape[1] else rows.unit
    summed = np.zeros((int(cluster.max()) + 1, X.shape[1]))
    np.add.at(summed, cluster, scores)
    n_clusters = int(np.unique(cluster).size)
    n_obs = len(rows.outcome)
    # Unit effects nested in the clusters are not counted; cohort effects of cross-sections are.
    n_params = X.shape[1] + panel.n_periods + (int(first.max()) + 1 if cross_section else 0)
    factor = n_clusters / (n_clusters - 1) * (n_obs - 1) / (n_obs - n_params)
    variance = factor * bread @ (summed.T @ summed) @ bread
    coef = float(beta[0])
    std_error = float(np.sqrt(variance[0, 0]))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return TwoWayFixedEffects(
        coef=coef,
        std_error=std_error,
        ci_low=coef - z * std_error,
        ci_high=coef + z * std_error,
        n_obs=n_obs,
        n_clusters=n_clusters,
        absorbed=tuple(absorbed),
    )


def _demean_rows(
    values: np.ndarray, first: np.ndarray, second: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Weighted residual of values on two sets of fixed effects (alternating projections)."""
    out = values.astype(np.float64).copy()
    total_first = np.bincount(first, weights=w)
    total_second = np.bincount(second, weights=w)
    tolerance = 1e-12 * max(1.0, float(np.abs(values).max(initial=0.0)))
    for _ in range(DEMEAN_MAX_ITER):
        out -= (np.bincount(first, weights=w * out) / total_first)[first]
        step = (np.bincount(second, weights=w * out) / total_second)[second]
        out -= step
        if np.abs(step).max() < tolerance:
            break
    return out
