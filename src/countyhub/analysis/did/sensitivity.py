"""Sensitivity of the event study to violations of parallel trends (after Rambachan & Roth 2023).

The event-study estimates ``betahat`` (event times e < 0 before, e >= 0 after treatment) are the
effects plus a trend difference ``delta``: ``beta_e = tau_e + delta_e`` with ``tau_e = 0`` before
treatment and ``delta = 0`` in the reference period (the one just before treatment). The target
is ``theta = l' tau_post``: the first post period's effect (``target="first"``) or the average of
the post periods (``target="average"``). Two restrictions on ``delta_post`` are offered:

- relative magnitudes, Delta^RM(Mbar): every post-period change of ``delta`` (from one period to
  the next, starting at the reference period) is at most ``Mbar`` times the largest pre-period
  change. The identified set is ``l'beta_post -+ Mbar * D * sum_j |L_j|``, with D the largest
  pre-period change and ``L_j = sum_{k >= j} l_k``. D is estimated, so the robust interval here is
  a Bonferroni one: an upper ``1 - alpha/2`` simultaneous bound on D (sup over the pre changes,
  Bonferroni across them) and a ``1 - alpha/2`` interval for ``l'beta_post``; at Mbar = 0 D does
  not matter and the interval is the usual ``1 - alpha`` one. It is valid but conservative;
  ``rm_test="conditional"`` uses instead the conditional test of Andrews, Roth & Pakes (``arp``),
  as HonestDiD's conditional intervals (without their hybrid first stage).
- smoothness, Delta^SD(M): the slope of ``delta`` changes by at most M per period. The
  identified set is the plug-in ``l'beta_post - s * sum_k k l_k -+ M * sum_j j |L_j|`` (s the
  last pre-period slope). The robust interval is the optimal fixed-length confidence interval
  (FLCI) of Rambachan & Roth's section 4.1 (Armstrong & Kolesar 2018): among the affine
  estimators of theta with bounded worst-case bias over Delta^SD(M), the one whose interval
  ``estimate -+ se * cv_alpha(bias / se)`` (folded-normal critical value) is shortest, found by
  convex optimisation over the weights of the consecutive pre-period changes (``flci``). At M = 0
  it is the generalised least squares extrapolation of a linear trend difference; for large M it
  tends to extrapolating the last pre-period slope.

The covariance of the event-study estimates comes from their influence functions (analytic, the
same as the standard errors without ``--bootstrap``).

References
----------
Rambachan, A. and Roth, J. (2023). A more credible approach to parallel trends. Review of
Economic Studies 90(5), 2555-2591.
Armstrong, T. B. and Kolesar, M. (2018). Optimal inference in a class of regression models.
Econometrica 86(2), 655-683.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from scipy import optimize, stats

from countyhub.analysis.did.arp import accepts, conditional_interval
from countyhub.analysis.did.flci import FLCI, SmoothnessFLCI
from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.report import figure_svg, new_figure
from countyhub.analysis.summary import Cell, SummaryTable, format_cell

Kind = Literal["rm", "sd"]
RmTest = Literal["bonferroni", "conditional"]
Target = Literal["first", "average"]
RM_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)
KIND_NAMES = {"rm": "relative magnitudes", "sd": "smoothness"}
PARAMETER = {"rm": "Mbar", "sd": "M"}
BISECTIONS = 30
BREAKDOWN_DOUBLINGS = 60  # from 1/64 of the bias-free ratio: far beyond any sensible M


@dataclass(frozen=True)
class SensitivityRow:
    """One value of the restriction's parameter: identified set and robust interval."""

    parameter: float
    set_low: float
    set_high: float
    ci_low: float
    ci_high: float
    flci: FLCI | None = None  # smoothness: the optimal affine estimator behind the interval

    @property
    def covers_zero(self) -> bool:
        return self.ci_low <= 0.0 <= self.ci_high

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "parameter": self.parameter,
            "set_low": self.set_low,
            "set_high": self.set_high,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
        }
        if self.flci is not None:
            out["flci"] = self.flci.to_dict()
        return out


@dataclass(frozen=True)
class Sensitivity:
    """Robust intervals for the target over a grid of the restriction's parameter."""

    kind: Kind
    target: Target
    confidence: float
    estimate: float  # the target's point estimate l'beta_post (no trend correction)
    std_error: float
    original_ci: tuple[float, float]
    rows: tuple[SensitivityRow, ...]
    breakdown: float | None  # smallest parameter whose interval covers 0 (None: none does)
    method: str

    @property
    def parameter(self) -> str:
        return PARAMETER[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "restriction": KIND_NAMES[self.kind],
            "parameter": self.parameter,
            "target": self.target,
            "confidence": self.confidence,
            "estimate": self.estimate,
            "std_error": self.std_error,
            "original_ci": list(self.original_ci),
            "rows": [row.to_dict() for row in self.rows],
            "breakdown": self.breakdown,
            "method": self.method,
        }

    def table(self) -> SummaryTable:
        rows: list[tuple[str, Sequence[Cell]]] = [
            (
                f"{self.parameter} = {row.parameter:g}",
                [row.set_low, row.set_high, row.ci_low, row.ci_high],
            )
            for row in self.rows
        ]
        target = "first post period" if self.target == "first" else "average of post periods"
        return SummaryTable(
            title=f"Sensitivity to parallel trends ({KIND_NAMES[self.kind]}; {target})",
            columns=("set low", "set high", "robust CI low", "robust CI high"),
            rows=rows,
            note=f"{100 * self.confidence:g}% robust CI; {self.breakdown_line()}",
            digits=4,
        )

    def breakdown_line(self) -> str:
        if self.breakdown is None:
            return f"no {self.parameter} makes the robust CI include 0"
        if self.breakdown == 0.0:
            return f"the robust CI includes 0 already at {self.parameter} = 0"
        return (
            f"breakdown value {self.parameter} = {format_cell(self.breakdown, 3)} (the smallest "
            "at which the robust CI includes 0)"
        )

    def figure(self, outcome: str) -> str:
        fig = new_figure(6.5, 3.8)
        ax = fig.add_subplot(1, 1, 1)
        xs = [row.parameter for row in self.rows]
        ax.vlines(
            xs,
            [row.ci_low for row in self.rows],
            [row.ci_high for row in self.rows],
            color="#c63d2f",
            linewidth=2,
            label="robust CI",
        )
        ax.vlines(
            xs,
            [row.set_low for row in self.rows],
            [row.set_high for row in self.rows],
            color="#52606d",
            linewidth=7,
            alpha=0.5,
            label="identified set",
        )
        ax.axhline(0, color="#1f2933", linewidth=0.8)
        ax.axhline(self.estimate, color="#9aa5b1", linestyle=":", linewidth=0.8)
        if self.breakdown and self.breakdown <= max(xs):
            ax.axvline(
                self.breakdown, color="#f0b429", linestyle="--", linewidth=1, label="breakdown"
            )
        ax.set_xlabel(self.parameter)
        ax.set_ylabel(f"effect on {outcome}")
        ax.legend(fontsize=8, loc="best")
        return figure_svg(
            fig,
            caption=(
                f"Robust intervals under {KIND_NAMES[self.kind]} ({self.parameter}): how far "
                "parallel trends may fail before the effect is no longer distinguishable from 0."
            ),
        )


def sensitivity(
    event_times: Sequence[int],
    betahat: Sequence[float] | np.ndarray,
    sigma: np.ndarray,
    *,
    kind: Kind = "rm",
    target: Target = "first",
    confidence: float = 0.95,
    base_period: str = "varying",
    grid: Sequence[float] | None = None,
    rm_test: RmTest = "bonferroni",
) -> Sensitivity:
    """Rambachan-Roth style sensitivity of ``theta`` (see the module text) over ``grid``.

    ``base_period`` says what the pre-period estimates are: ``"varying"`` (each is the change
    from the period before: the pre changes of ``delta`` directly) or ``"universal"`` (each is
    ``delta_e - delta_{-1}``; e = -1 itself may be absent or 0). ``rm_test`` chooses the
    robust interval of relative magnitudes: Bonferroni or the ARP conditional test (``arp``).
    """
    if kind not in PARAMETER:
        raise AnalysisError(f"sensitivity must be rm or sd, not {kind!r}")
    if rm_test not in ("bonferroni", "conditional"):
        raise AnalysisError(f"the rm test must be bonferroni or conditional, not {rm_test!r}")
    if target not in ("first", "average"):
        raise AnalysisError(f"the sensitivity target must be first or average, not {target!r}")
    if not 0 < confidence < 1:
        raise AnalysisError(f"the confidence level must lie between 0 and 1, not {confidence}")
    times = [int(e) for e in event_times]
    beta = np.asarray(betahat, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    if beta.shape != (len(times),) or sigma.shape != (len(times), len(times)):
        raise AnalysisError("betahat and its covariance do not match the event times")
    post = [i for i, e in enumerate(times) if e >= 0]
    if not post:
        raise AnalysisError("no post-treatment event time: nothing to assess")
    post_times = [times[i] for i in post]
    if post_times != list(range(len(post))):
        raise AnalysisError(
            "the post-treatment event times must run 0, 1, 2... without gaps, not "
            + ", ".join(map(str, post_times))
        )
    weights = np.zeros(len(post))
    if target == "first":
        weights[0] = 1.0
    else:
        weights[:] = 1.0 / len(post)
    # delta_k = sum_{j<=k} c_j over the post changes c_1..c_K (k = 1 is e = 0):
    # l'delta = sum_j c_j L_j with L_j = sum_{k>=j} l_k.
    tails = np.cumsum(weights[::-1])[::-1]
    a_post = np.zeros(len(times))
    a_post[post] = weights
    estimate = float(a_post @ beta)
    se = _se(a_post, sigma)
    z = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    original = (estimate - z * se, estimate + z * se)
    # rows: linear maps of beta giving pre changes
    changes = [row for _, row in _pre_changes(times, base_period)]
    if not changes:
        raise AnalysisError(
            "sensitivity needs at least one pre-treatment change of the trend "
            + (
                "(an event time e = -1)"
                if base_period == "varying"
                else "(an event time e = -2 with the universal base period)"
            )
        )
    if kind == "rm":
        chosen = tuple(RM_GRID if grid is None else grid)
        rows, breakdown = _relative_magnitudes(
            beta, sigma, changes, a_post, tails, estimate, se, confidence, chosen
        )
        method = (
            "relative magnitudes Delta^RM(Mbar) (Rambachan & Roth 2023): post-period changes of "
            "the trend difference at most Mbar times the largest pre-period change; Bonferroni "
            "robust CI (an upper bound on the largest pre change and the estimate, each at "
            "alpha/2; the usual CI at Mbar = 0); conservative next to HonestDiD's ARP intervals"
        )
        if rm_test == "conditional":
            rows, breakdown = _conditional_rm(
                beta, sigma, np.vstack(changes), post, a_post[post], confidence, rows
            )
            method = (
                "relative magnitudes Delta^RM(Mbar) (Rambachan & Roth 2023): post-period changes "
                "of the trend difference at most Mbar times the largest pre-period change; "
                "robust CI by the conditional test of Andrews, Roth & Pakes (as HonestDiD's "
                "conditional CI, without its hybrid first stage): the union over which pre "
                "change is the largest of the values not rejected, from the lowest to the "
                "highest; empty (no value) when every value is rejected"
            )
    else:
        if grid is not None and any(p < 0 for p in grid):
            raise AnalysisError("the M grid must hold values of 0 or more")
        consecutive = _consecutive(times, base_period)
        if not consecutive:
            raise AnalysisError(
                "the smoothness restriction needs the pre-period change into e = -1 (the "
                "estimates of e = -1 and e = -2, or e = -2 with the universal base period)"
            )
        problem = SmoothnessFLCI(sigma, np.vstack(consecutive), a_post, tails)
        rows, breakdown = _smoothness(problem, beta, confidence, grid)
        chosen = tuple(row.parameter for row in rows)
        method = (
            "smoothness Delta^SD(M) (Rambachan & Roth 2023): the slope of the trend difference "
            "changes by at most M per period; optimal fixed-length CI (Armstrong & Kolesar "
            "2018; Rambachan & Roth 2023 section 4.1): the affine estimator over the "
            f"{problem.changes.shape[0]} consecutive pre-period change(s) minimising the "
            "worst-case length, by convex optimisation (folded-normal critical value)"
        )
    if any(p < 0 for p in chosen):
        raise AnalysisError(f"the {PARAMETER[kind]} grid must hold values of 0 or more")
    method += (
        "; covariance of the event study from its influence functions (analytic, also when the "
        "standard errors above are bootstrapped)"
    )
    return Sensitivity(
        kind=kind,
        target=target,
        confidence=confidence,
        estimate=estimate,
        std_error=se,
        original_ci=original,
        rows=tuple(rows),
        breakdown=breakdown,
        method=method,
    )


def _se(a: np.ndarray, sigma: np.ndarray) -> float:
    return float(np.sqrt(max(float(a @ sigma @ a), 0.0)))


def _pre_changes(times: list[int], base_period: str) -> list[tuple[int, np.ndarray]]:
    """Linear maps of betahat giving each pre-period change of delta (into event time e), oldest
    first; the last is the change into the reference period (e = -1)."""
    index = {e: i for i, e in enumerate(times)}
    n = len(times)
    out: list[tuple[int, np.ndarray]] = []
    pre = sorted(e for e in times if e < 0)
    if base_period == "varying":
        for e in pre:  # beta_e = delta_e - delta_{e-1}
            row = np.zeros(n)
            row[index[e]] = 1.0
            out.append((e, row))
        return out
    # universal: beta_e = delta_e - delta_{-1}, delta_{-1} = 0; change into e: delta_e - delta_{e-1}
    level = {e: index[e] for e in pre if e != -1}
    for e in range(min(pre, default=-1) + 1, 0):
        if e - 1 not in level:
            continue
        row = np.zeros(n)
        if e in level:
            row[level[e]] += 1.0
        row[level[e - 1]] -= 1.0
        out.append((e, row))
    return out


def _consecutive(times: list[int], base_period: str) -> list[np.ndarray]:
    """The pre changes into e = -k..-1 without a gap: Delta^SD links neighbouring changes only."""
    changes = _pre_changes(times, base_period)
    run = 0
    while run < len(changes) and changes[-1 - run][0] == -1 - run:
        run += 1
    return [row for _, row in changes[len(changes) - run :]]


def _relative_magnitudes(
    beta: np.ndarray,
    sigma: np.ndarray,
    changes: list[np.ndarray],
    a_post: np.ndarray,
    tails: np.ndarray,
    estimate: float,
    se: float,
    confidence: float,
    grid: tuple[float, ...],
) -> tuple[list[SensitivityRow], float | None]:
    alpha = 1 - confidence
    spread = float(np.abs(tails).sum())  # sum_j |L_j|
    largest = max(abs(float(c @ beta)) for c in changes)
    z_half = float(stats.norm.ppf(1 - alpha / 4))  # estimate at alpha/2
    z_pre = float(stats.norm.ppf(1 - alpha / (4 * len(changes))))  # pre changes at alpha/2
    upper = max(abs(float(c @ beta)) + z_pre * _se(c, sigma) for c in changes)
    z_full = float(stats.norm.ppf(1 - alpha / 2))
    rows = []
    for mbar in grid:
        half_set = mbar * largest * spread
        half_ci = z_full * se if mbar == 0 else mbar * upper * spread + z_half * se
        rows.append(
            SensitivityRow(
                mbar,
                estimate - half_set,
                estimate + half_set,
                estimate - half_ci,
                estimate + half_ci,
            )
        )
    # Breakdown: the interval covers 0 iff |estimate| <= half width.
    # (between z_full and z_half standard errors every Mbar > 0 covers 0: breakdown 0).
    breakdown: float | None
    if abs(estimate) <= z_half * se:
        breakdown = 0.0
    elif upper * spread == 0:
        breakdown = None
    else:
        breakdown = (abs(estimate) - z_half * se) / (upper * spread)
    return rows, breakdown


def _conditional_rm(
    beta: np.ndarray,
    sigma: np.ndarray,
    changes: np.ndarray,
    post: list[int],
    weights: np.ndarray,
    confidence: float,
    bonferroni: list[SensitivityRow],
) -> tuple[list[SensitivityRow], float | None]:
    rows = []
    for row in bonferroni:  # the Bonferroni interval is where the grid of theta starts
        found = conditional_interval(
            beta, sigma, changes, post, weights, row.parameter, confidence,
            (row.ci_low, row.ci_high),
        )  # fmt: skip
        low, high = found if found is not None else (np.nan, np.nan)
        rows.append(replace(row, ci_low=low, ci_high=high))

    def gap(mbar: float) -> float:
        covered = accepts(beta, sigma, changes, post, weights, mbar, confidence, 0.0)
        return -1.0 if covered else 1.0

    return rows, _first_cover(gap, float(np.abs(changes @ beta).max()), abs(weights @ beta[post]))


def _first_cover(gap: Callable[[float], float], largest: float, estimate: float) -> float | None:
    """The smallest parameter at which ``gap`` turns non-positive (the interval covers 0): on a
    doubling grid, then by bisection between the last point that excludes 0 and the first that
    covers it. ``estimate / largest`` (the Mbar that moves the estimate to 0) sets the scale."""
    if gap(0.0) <= 0:
        return 0.0
    if largest == 0:
        return None
    low, high = 0.0, estimate / largest / 64
    for _ in range(BREAKDOWN_DOUBLINGS):
        if gap(high) <= 0:
            for _ in range(BISECTIONS):
                middle = (low + high) / 2
                low, high = (low, middle) if gap(middle) <= 0 else (middle, high)
            return high
        low, high = high, 2 * high
    return None


def _smoothness(
    problem: SmoothnessFLCI,
    beta: np.ndarray,
    confidence: float,
    grid: Sequence[float] | None,
) -> tuple[list[SensitivityRow], float | None]:
    # Plug-in identified set: extrapolate the last pre slope, widen by the worst post bias.
    center = float(problem.weights(np.zeros(problem.changes.shape[0] - 1)) @ beta)
    width = problem.post_bias
    breakdown = _sd_breakdown(problem, beta, confidence)
    if grid is None:
        grid = _sd_grid(breakdown, problem.solve(beta, 0.0, confidence).std_error, width)
    rows = []
    for m in grid:
        flci = problem.solve(beta, m, confidence)
        low, high = flci.ci
        rows.append(SensitivityRow(m, center - m * width, center + m * width, low, high, flci))
    return rows, breakdown


def _sd_breakdown(problem: SmoothnessFLCI, beta: np.ndarray, confidence: float) -> float | None:
    """The smallest M whose optimal FLCI covers 0: on a doubling grid, then refined by root
    finding between the last M that excludes 0 and the first that covers it."""

    def gap(m: float) -> float:
        flci = problem.solve(beta, m, confidence)
        return abs(flci.estimate) - flci.half_length

    low = 0.0
    if gap(low) <= 0:
        return 0.0
    if problem.post_bias == 0:
        return None
    high = abs(float(problem.solve(beta, 0.0, confidence).estimate)) / problem.post_bias / 64
    for _ in range(BREAKDOWN_DOUBLINGS):
        if gap(high) <= 0:
            return float(optimize.brentq(gap, low, high, xtol=1e-8 * high))
        low, high = high, 2 * high
    return None


def _sd_grid(breakdown: float | None, se: float, width: float) -> tuple[float, ...]:
    """Five values of M from 0 in round steps, reaching about twice the breakdown value (or,
    without one, M adding two standard errors of worst-case bias)."""
    reach = 2 * breakdown if breakdown else 2 * se / max(width, 1e-12)
    step = float(f"{reach / 4:.1g}") if reach > 0 else 0.1
    return tuple(round(step * k, 12) for k in range(5))
