"""The optimal fixed-length confidence interval (FLCI) under the smoothness restriction Delta^SD(M).

Rambachan & Roth (2023, section 4.1), after Armstrong & Kolesar (2018, 2020). Notation as in
``sensitivity``: ``betahat ~ N(beta, Sigma)``, the pre-period estimates identify the consecutive
changes ``p_1..p_K`` of the trend difference ``delta`` up to the reference period (rows of ``C``:
``E[C betahat] = p``), after it ``delta`` changes by ``q_1..q_T`` and the target is
``theta = l' tau_post``, so ``l'beta_post - theta = sum_j L_j q_j`` with ``L_j = sum_{k>=j} l_k``.

Formulation. The affine estimators of theta whose bias is bounded over Delta^SD(M) are
``thetahat(u) = l'betahat_post + u' C betahat``: the post weights must be ``l`` (the effects
``tau_post`` are free) and, since a linear trend difference lies in Delta^SD(M) for every M,
``1'u = -sum_j L_j`` (a linear trend must cancel). Write the changes as f = (p, q) = s 1 + D r,
with s the last pre change and r the second differences, ``|r_m| <= M`` (exactly Delta^SD(M)).
The bias ``u'p + L'q`` is then ``sum_m g_m r_m`` and its worst case over the box is

    bias(U) = M (sum_{j=1..T} |sum_{k>=j} L_k| + sum_{m<K} |U_m|),  U_m = u_1 + ... + u_m,

the first sum fixed by the target, the second the price of using earlier pre changes. In the
partial sums U (``U_K = -sum L`` fixed) the estimator is affine, ``v(U) = v0 + G U``, with
standard error ``sigma(U) = sqrt(v' Sigma v)``. The FLCI of an estimator is
``thetahat -+ sigma cv_alpha(bias / sigma)``, ``cv_alpha(t)`` the 1 - alpha quantile of
``|N(t, 1)|``, and the optimal FLCI minimises that half-length over U. The half-length
``sigma cv(bias / sigma)`` is the perspective of the convex, increasing ``cv``, hence convex and
increasing in (bias, sigma), and both are convex in U: the problem is convex. It is solved with
U = P - N, P, N >= 0 (which makes the objective smooth), by SLSQP with the analytic gradient,
started from U = 0 (the fixed-weight estimator extrapolating the last pre slope, whose bias is the
smallest possible) and from the M = 0 solution; at M = 0 the bias vanishes and the optimum is the
generalised least squares extrapolation of a linear trend difference, solved in closed form.

References
----------
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends. Review of
Economic Studies 90(5), 2555-2591.
Armstrong, T. B. and Kolesar, M. (2018). Optimal inference in a class of regression models.
Econometrica 86(2), 655-683.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import optimize
from scipy.special import ndtr, ndtri

NORMAL_DENSITY = 1.0 / np.sqrt(2.0 * np.pi)
SOLVER_TOL = 1e-12


@dataclass(frozen=True)
class FLCI:
    """An affine estimator ``weights' betahat`` of theta with its fixed-length interval."""

    weights: np.ndarray
    estimate: float
    std_error: float
    max_bias: float
    half_length: float

    @property
    def ci(self) -> tuple[float, float]:
        return self.estimate - self.half_length, self.estimate + self.half_length

    def to_dict(self) -> dict[str, object]:
        return {
            "weights": [float(w) for w in self.weights],
            "estimate": self.estimate,
            "std_error": self.std_error,
            "max_bias": self.max_bias,
            "half_length": self.half_length,
        }


def folded_critical(t: float, confidence: float) -> float:
    """cv(t): P(|N(t, 1)| <= cv) = confidence."""
    t = abs(t)
    z = float(ndtri(1 - (1 - confidence) / 2))
    if t == 0:
        return z

    def coverage(cv: float) -> float:
        return float(ndtr(cv - t) - ndtr(-cv - t)) - confidence

    return float(optimize.brentq(coverage, 0.0, t + z + 1.0, xtol=SOLVER_TOL))


def _critical_slope(t: float, cv: float) -> float:
    """d cv / d t, by the implicit function theorem on the coverage equation."""
    near, far = _density(cv - t), _density(cv + t)
    return (near - far) / (near + far)


def _density(x: float) -> float:
    return float(NORMAL_DENSITY * np.exp(-0.5 * x * x))


@dataclass(frozen=True)
class SmoothnessFLCI:
    """The FLCI problem of one target: ``changes`` is C (K x estimates, oldest change first, the
    last the change into the reference period), ``a_post`` the post weights l on betahat and
    ``tails`` L."""

    sigma: np.ndarray
    changes: np.ndarray
    a_post: np.ndarray
    tails: np.ndarray

    @cached_property
    def post_bias(self) -> float:
        """sum_j |sum_{k>=j} L_k|: the worst-case bias per unit of M that no u can avoid."""
        return float(np.abs(np.cumsum(self.tails[::-1])[::-1]).sum())

    @cached_property
    def affine(self) -> tuple[np.ndarray, np.ndarray]:
        """v0 and G of v(U) = v0 + G U over the free partial sums U_1..U_{K-1}."""
        k = self.changes.shape[0]
        # u_i = U_i - U_{i-1}: u = E U + e_K U_K with U_K = -sum L.
        difference = np.eye(k, k - 1) - np.eye(k, k - 1, k=-1)
        v0 = self.a_post - float(self.tails.sum()) * self.changes[-1]
        return v0, self.changes.T @ difference

    def estimator(self, free: np.ndarray, m: float, confidence: float) -> tuple[float, float]:
        """Half-length and the SE of v(U) for the partial sums ``free``."""
        v = self.weights(free)
        se = float(np.sqrt(max(float(v @ self.sigma @ v), 0.0)))
        bias = m * (self.post_bias + float(np.abs(free).sum()))
        return _half_length(bias, se, confidence), se

    def weights(self, free: np.ndarray) -> np.ndarray:
        v0, G = self.affine
        v: np.ndarray = v0 + G @ free
        return v

    def least_squares(self) -> np.ndarray:
        """The partial sums of the M = 0 optimum: minimum variance subject to 1'u = -sum L."""
        v0, G = self.affine
        if G.shape[1] == 0:
            return np.zeros(0)
        free: np.ndarray = -np.linalg.lstsq(G.T @ self.sigma @ G, G.T @ self.sigma @ v0)[0]
        return free

    def solve(self, betahat: np.ndarray, m: float, confidence: float) -> FLCI:
        """The optimal FLCI at smoothness bound ``m`` (see the module text)."""
        gls = self.least_squares()
        if m == 0 or gls.size == 0:
            return self._flci(betahat, gls if m == 0 else np.zeros(0), m, confidence)
        best = min(
            (self._descend(start, m, confidence) for start in (np.zeros_like(gls), gls)),
            key=lambda free: self.estimator(free, m, confidence)[0],
        )
        return self._flci(betahat, best, m, confidence)

    def _flci(self, betahat: np.ndarray, free: np.ndarray, m: float, confidence: float) -> FLCI:
        v = self.weights(free)
        half, se = self.estimator(free, m, confidence)
        bias = m * (self.post_bias + float(np.abs(free).sum()))
        return FLCI(v, float(v @ betahat), se, bias, half)

    def _descend(self, start: np.ndarray, m: float, confidence: float) -> np.ndarray:
        k = start.size
        v0, G = self.affine
        scale = max(float(np.abs(self.tails).sum()), 1.0)

        def objective(x: np.ndarray) -> tuple[float, np.ndarray]:
            free = (x[:k] - x[k:]) * scale
            v = v0 + G @ free
            se = float(np.sqrt(max(float(v @ self.sigma @ v), 1e-300)))
            bias = m * (self.post_bias + float(np.abs(x).sum()) * scale)
            t = bias / se
            cv = folded_critical(t, confidence)
            slope = _critical_slope(t, cv)
            # d half / d se = cv - t cv'(t), d half / d bias = cv'(t)
            grad_free = (cv - t * slope) * (G.T @ self.sigma @ v) / se * scale
            grad_bias = slope * m * scale
            gradient = np.concatenate([grad_free + grad_bias, -grad_free + grad_bias])
            return se * cv, gradient

        x0 = np.concatenate([np.maximum(start, 0.0), np.maximum(-start, 0.0)]) / scale
        found = optimize.minimize(
            objective,
            x0,
            jac=True,
            method="SLSQP",
            bounds=[(0.0, None)] * (2 * k),
            options={"ftol": 1e-14, "maxiter": 500},
        )
        x = found.x if found.fun <= objective(x0)[0] else x0
        free: np.ndarray = (x[:k] - x[k:]) * scale
        return free


def _half_length(bias: float, se: float, confidence: float) -> float:
    if se == 0:
        return bias
    return se * folded_critical(bias / se, confidence)
