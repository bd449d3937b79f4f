"""The naive two-way fixed-effects DiD, to show how far it is from the robust estimate.

y_it = a_i + l_t + b D_it (+ covariates) + e_it with D_it = 1 from the unit's first treated
period on. On a balanced panel the two fixed effects are removed exactly by double demeaning; the
unit-clustered CRV1 variance uses the small-sample factor of ``pyfixest`` (and Stata's
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


def treatment_indicator(panel: Panel) -> np.ndarray:
    treated = panel.cohort != NEVER
    indicator: np.ndarray = treated[:, None] & (panel.periods[None, :] >= panel.cohort[:, None])
    return indicator.astype(float)


def _demean(values: np.ndarray) -> np.ndarray:
    demeaned: np.ndarray = (
        values
        - values.mean(axis=1, keepdims=True)
        - values.mean(axis=0, keepdims=True)
        + values.mean(axis=(0, 1), keepdims=True)
    )
    return demeaned


def estimate_twfe(panel: Panel, *, alpha: float) -> TwoWayFixedEffects:
    """The TWFE estimate with its normal ``1 - alpha`` interval (as the robust estimates')."""
    n_units, n_periods = panel.outcome.shape
    regressors = [_demean(treatment_indicator(panel))]
    for k in range(panel.covariates.shape[2]):
        demeaned = _demean(panel.covariates[:, :, k])
        # Covariates fixed within a unit are absorbed by its fixed effect: leave them out.
        if np.abs(demeaned).max() > COLLINEAR_TOL * max(1.0, np.abs(panel.covariates).max()):
            regressors.append(demeaned)
    X = np.stack(regressors, axis=-1)  # units x periods x regressors
    y = _demean(panel.outcome)
    gram = np.einsum("itk,itl->kl", X, X)
    bread = np.linalg.pinv(gram)
    beta = bread @ np.einsum("itk,it->k", X, y)
    residual = y - X @ beta
    scores = np.einsum("itk,it->ik", X, residual)
    meat = scores.T @ scores
    n_obs = n_units * n_periods
    n_params = X.shape[2] + n_periods  # regressors and time effects; unit effects are nested
    factor = n_units / (n_units - 1) * (n_obs - 1) / (n_obs - n_params)
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
        n_clusters=n_units,
    )
