"""The conditional test of Andrews, Roth & Pakes (ARP) for relative magnitudes, Delta^RM(Mbar).

As HonestDiD's ``computeConditionalCS_DeltaRM`` (Rambachan & Roth 2023, section 3.2 and appendix;
Andrews, Roth & Pakes 2023), without its hybrid first stage. Delta^RM(Mbar) is the union over
(s, sign) of the polyhedra on which the pre change ``p_s`` (times sign) is the largest in absolute
value: ``sign p_s >= |p_i|`` and ``|q_j| <= Mbar sign p_s`` for every post change ``q_j`` of the
trend difference. The robust confidence set is the union over the polyhedra of the values theta
that the conditional test does not reject.

For one polyhedron and a hypothesised theta, the effects are ``tau = tau0 theta + N gamma``
(``l'tau0 = 1``, N spans the effects with ``l'tau = 0``: nuisance parameters), and the restriction
reads ``E[Y] - X gamma <= 0`` with ``Y = G betahat - h theta`` affine in betahat. The statistic is
``eta = max lambda'Y`` over the dual polytope ``{lambda >= 0, X'lambda = 0, sd(Y)'lambda = 1}``.
At the optimal vertex lambda*, given ``S = Y - b lambda*'Y`` (``b = Sigma_Y lambda* / var``),
``eta = lambda*'Y`` is normal with mean ``lambda*'E[Y] <= 0`` truncated to the interval [v_lo,
v_up] of values of ``lambda*'Y`` for which lambda* stays optimal; the test rejects when eta
exceeds the 1 - alpha quantile of that truncated normal with mean 0. The interval's ends are
where another vertex's line ``lambda'S + c lambda'b`` crosses lambda*'s line (slope 1 through
the origin): the value function ``c -> max lambda'(S + c b)`` is the upper envelope of those
lines. The dual polytope depends on the covariance only, so its vertices (the basic feasible
solutions) are enumerated once per polyhedron and every test is a few matrix products.

The set is computed on a grid of theta and its outermost accepted points refined by bisection;
it is reported as the interval from the lowest to the highest accepted value, as HonestDiD does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb

import numpy as np
from scipy import linalg, stats

from countyhub.analysis.errors import AnalysisError

GRID_POINTS = 101
WIDENINGS = 6
REFINE_STEPS = 30
MAX_BASES = 200_000  # subsets of rows tried as bases of the dual polytope: memory and time
TOL = 1e-9


@dataclass(frozen=True)
class Polyhedron:
    """``E[Y] - X gamma <= 0`` with ``Y = G betahat - h theta``; ``Sigma_Y = G Sigma G'``."""

    G: np.ndarray
    h: np.ndarray
    X: np.ndarray


def polyhedra(
    changes: np.ndarray, post: Sequence[int], weights: np.ndarray, mbar: float
) -> list[Polyhedron]:
    """The pieces of Delta^RM(Mbar): ``changes`` (K x estimates) maps betahat to the pre changes,
    ``post`` indexes the post estimates e = 0, 1, ..., ``weights`` is l."""
    n, t = changes.shape[1], len(post)
    post_levels = np.zeros((t, n))
    post_levels[np.arange(t), list(post)] = 1.0
    # q_j: first differences of the post levels (e = -1 is the reference, delta = 0).
    diff = np.eye(t) - np.eye(t, k=-1)
    tau0 = weights / float(weights @ weights)
    null = linalg.null_space(weights[None, :])
    out = []
    for s in range(changes.shape[0]):
        for sign in (1.0, -1.0):
            largest = sign * changes[s]
            rows = [changes[i] - largest for i in range(changes.shape[0]) if i != s]
            rows += [-changes[i] - largest for i in range(changes.shape[0]) if i != s]
            if changes.shape[0] == 1:
                rows.append(-largest)
            n_pre = len(rows)
            q = diff @ post_levels  # betahat -> q at tau = 0
            rows += [q[j] - mbar * largest for j in range(t)]
            rows += [-q[j] - mbar * largest for j in range(t)]
            A_q = np.zeros((len(rows), t))
            A_q[n_pre : n_pre + t] = np.eye(t)
            A_q[n_pre + t :] = -np.eye(t)
            # q = Q betahat - D tau: the effects enter with the opposite sign.
            out.append(Polyhedron(np.vstack(rows), A_q @ diff @ tau0, A_q @ diff @ null))
    return out


def vertices(X: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Every vertex of {lambda >= 0, X'lambda = 0, scale'lambda = 1}, one per row: the basic
    feasible solutions, r = nuisance parameters + 1 rows non-zero."""
    equations = np.vstack([X.T, scale[None, :]])
    r, m = equations.shape
    if comb(m, r) > MAX_BASES:
        raise AnalysisError(
            f"the conditional test would enumerate {comb(m, r)} bases: too many pre and post "
            "periods; use the Bonferroni interval or fewer event times"
        )
    bases = np.array(list(combinations(range(m), r)), dtype=np.int64).reshape(-1, r)
    blocks = equations[:, bases].transpose(1, 0, 2)  # bases x r x r
    regular = np.abs(np.linalg.det(blocks)) > 1e-10 * max(1.0, float(np.abs(equations).max()))
    bases, blocks = bases[regular], blocks[regular]
    rhs = np.zeros((len(bases), r, 1))
    rhs[:, -1, 0] = 1.0
    values = np.linalg.solve(blocks, rhs)[:, :, 0]
    feasible = (values >= -1e-12).all(axis=1)
    out = np.zeros((int(feasible.sum()), m))
    np.put_along_axis(out, bases[feasible], np.clip(values[feasible], 0.0, None), axis=1)
    return out


@dataclass(frozen=True)
class ConditionalTest:
    """The ARP conditional test on one polyhedron for a given covariance."""

    polyhedron: Polyhedron
    sigma_y: np.ndarray
    corners: np.ndarray  # vertices of the dual polytope

    @classmethod
    def of(cls, polyhedron: Polyhedron, sigma: np.ndarray) -> ConditionalTest:
        sigma_y = polyhedron.G @ sigma @ polyhedron.G.T
        scale = np.sqrt(np.clip(np.diag(sigma_y), 0.0, None))
        scale = np.maximum(scale, 1e-12 * max(float(scale.max()), 1e-300))
        return cls(polyhedron, sigma_y, vertices(polyhedron.X, scale))

    def rejects(self, beta: np.ndarray, theta: float, alpha: float) -> bool:
        Y = self.polyhedron.G @ beta - self.polyhedron.h * theta
        values = self.corners @ Y
        best = int(np.argmax(values))
        vertex, eta = self.corners[best], float(values[best])
        variance = float(vertex @ self.sigma_y @ vertex)
        if variance <= 0:
            return eta > TOL
        b = self.sigma_y @ vertex / variance
        # Each vertex's line lambda'S + c lambda'b against lambda*'s line c, S = Y - b eta.
        intercepts = self.corners @ (Y - b * eta)
        slopes = self.corners @ b
        gap = 1.0 - slopes
        below, above = gap > TOL, gap < -TOL
        low = float(np.max(intercepts[below] / gap[below], initial=-np.inf))
        high = float(np.min(intercepts[above] / gap[above], initial=np.inf))
        sd = np.sqrt(variance)
        low, high = low / sd, high / sd
        if high - low <= TOL:
            return False
        point = min(max(eta / sd, low), high)
        return float(stats.truncnorm.sf(point, low, high)) < alpha


def conditional_interval(
    beta: np.ndarray,
    sigma: np.ndarray,
    changes: np.ndarray,
    post: Sequence[int],
    weights: np.ndarray,
    mbar: float,
    confidence: float,
    reach: tuple[float, float],
) -> tuple[float, float] | None:
    """Lowest and highest theta not rejected on some polyhedron (None: every theta is).

    The grid starts on ``reach`` and is widened (doubled about its middle) while an end of it is
    accepted."""
    alpha = 1 - confidence
    tests = [ConditionalTest.of(p, sigma) for p in polyhedra(changes, post, weights, mbar)]

    def accepted(theta: float) -> bool:
        return any(not test.rejects(beta, theta, alpha) for test in tests)

    low, high = reach
    for attempt in range(WIDENINGS):
        grid = np.linspace(low, high, GRID_POINTS)
        inside = [accepted(float(theta)) for theta in grid]
        if not (inside[0] or inside[-1]) or attempt == WIDENINGS - 1:
            break
        middle, half = (low + high) / 2, high - low
        low, high = middle - half, middle + half
    if not any(inside):
        return None
    first = inside.index(True)
    last = len(inside) - 1 - inside[::-1].index(True)
    lowest = (
        _refine(accepted, float(grid[first - 1]), float(grid[first])) if first else float(grid[0])
    )
    highest = (
        _refine(accepted, float(grid[last + 1]), float(grid[last]))
        if last < len(grid) - 1
        else float(grid[-1])
    )
    return lowest, highest


def accepts(
    beta: np.ndarray,
    sigma: np.ndarray,
    changes: np.ndarray,
    post: Sequence[int],
    weights: np.ndarray,
    mbar: float,
    confidence: float,
    theta: float,
) -> bool:
    """Whether ``theta`` lies in the conditional confidence set at ``mbar``."""
    return any(
        not ConditionalTest.of(p, sigma).rejects(beta, theta, 1 - confidence)
        for p in polyhedra(changes, post, weights, mbar)
    )


def _refine(accepted: Callable[[float], bool], out: float, inside: float) -> float:
    """Bisection between a rejected and an accepted theta."""
    for _ in range(REFINE_STEPS):
        middle = (out + inside) / 2
        if accepted(middle):
            inside = middle
        else:
            out = middle
    return inside
