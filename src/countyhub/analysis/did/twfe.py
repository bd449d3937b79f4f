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
