"""The optimal FLCI under the smoothness restriction Delta^SD(M) (Rambachan & Roth 2023, 4.1):
M = 0 is generalised least squares under a linear trend difference, one pre change leaves only
the fixed-weight estimator, the optimum is never longer than the fixed-weight FLCI, and it covers
the target for trend differences anywhere in Delta^SD(M), exactly and in a simulation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from countyhub.analysis.did.flci import SmoothnessFLCI, folded_critical
from countyhub.analysis.did.sensitivity import sensitivity

Z = float(stats.norm.ppf(0.975))


def random_sigma(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    root = rng.normal(size=(n, n))
    sigma: np.ndarray = root @ root.T / n + 0.2 * np.eye(n)
    return sigma


def problem(n_pre: int, n_post: int, sigma: np.ndarray, target: str) -> SmoothnessFLCI:
    """Varying base: the pre estimates are the pre changes themselves, oldest first."""
    n = n_pre + n_post
    changes = np.eye(n)[:n_pre]
    weights = np.zeros(n_post)
    weights[0 if target == "first" else slice(None)] = 1.0 if target == "first" else 1 / n_post
    a_post = np.concatenate([np.zeros(n_pre), weights])
    tails = np.cumsum(weights[::-1])[::-1]
    return SmoothnessFLCI(sigma, changes, a_post, tails)


def gls(n_pre: int, n_post: int, sigma: np.ndarray, beta: np.ndarray, weights: np.ndarray):
    """GLS of E[betahat] = X (slope, tau_0..tau_T-1): pre changes equal the slope s, post
    estimates tau_e + (e + 1) s. Gauss-Markov: the best linear unbiased estimate of l'tau."""
    X = np.zeros((n_pre + n_post, 1 + n_post))
    X[:n_pre, 0] = 1.0
    X[n_pre:, 0] = np.arange(1, n_post + 1)
    X[n_pre:, 1:] = np.eye(n_post)
    precision = np.linalg.inv(sigma)
    cov = np.linalg.inv(X.T @ precision @ X)
    gamma = cov @ X.T @ precision @ beta
    lam = np.concatenate([[0.0], weights])
    return float(lam @ gamma), float(np.sqrt(lam @ cov @ lam))


@pytest.mark.parametrize("target", ["first", "average"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_m_zero_is_gls_under_a_linear_trend(target, seed):
    n_pre, n_post = 4, 3
    sigma = random_sigma(n_pre + n_post, seed)
    beta = np.random.default_rng(seed + 10).normal(size=n_pre + n_post)
    found = problem(n_pre, n_post, sigma, target).solve(beta, 0.0, 0.95)
    weights = np.zeros(n_post)
    weights[0 if target == "first" else slice(None)] = 1.0 if target == "first" else 1 / n_post
    estimate, se = gls(n_pre, n_post, sigma, beta, weights)
    assert found.estimate == pytest.approx(estimate, abs=1e-10)
    assert found.std_error == pytest.approx(se, abs=1e-10)
    assert found.half_length == pytest.approx(Z * se, abs=1e-10)
    assert found.max_bias == 0.0


def test_m_zero_with_independent_equal_variances_averages_the_pre_slopes():
    # Sigma = I: the slope is the mean of the 3 pre changes, extrapolated 1 period ahead.
    beta = np.array([0.3, -0.1, 0.4, 2.0])
    found = problem(3, 1, np.eye(4), "first").solve(beta, 0.0, 0.95)
    assert found.estimate == pytest.approx(2.0 - 0.2, abs=1e-12)
    assert found.std_error == pytest.approx(np.sqrt(1 + 1 / 3), abs=1e-12)
    assert found.weights == pytest.approx([-1 / 3, -1 / 3, -1 / 3, 1.0], abs=1e-12)


@pytest.mark.parametrize("m", [0.0, 0.05, 0.5, 3.0])
def test_one_pre_change_leaves_the_fixed_weight_estimator(m):
    sigma = random_sigma(3, 4)
    beta = np.array([0.2, 1.0, 1.5])
    found = problem(1, 2, sigma, "average").solve(beta, m, 0.95)
    v = np.array([-1.5, 0.5, 0.5])  # the last slope extrapolated 1 and 2 periods ahead
    se = float(np.sqrt(v @ sigma @ v))
    bias = m * 2.0  # sum_j j |L_j| with L = (1, 0.5)
    assert found.estimate == pytest.approx(float(v @ beta), abs=1e-12)
    assert found.half_length == pytest.approx(se * stats.foldnorm.ppf(0.95, bias / se), rel=1e-9)


def fixed_weight_half_length(flci: SmoothnessFLCI, m: float) -> float:
    v = flci.weights(np.zeros(flci.changes.shape[0] - 1))
    se = float(np.sqrt(v @ flci.sigma @ v))
    return se * folded_critical(m * flci.post_bias / se, 0.95)


@pytest.mark.parametrize("seed", range(6))
def test_never_longer_than_the_fixed_weight_flci(seed):
    rng = np.random.default_rng(seed)
    n_pre, n_post = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    sigma = random_sigma(n_pre + n_post, seed)
    beta = rng.normal(size=n_pre + n_post)
    flci = problem(n_pre, n_post, sigma, "average" if seed % 2 else "first")
    lengths = []
    for m in (0.0, 0.01, 0.1, 0.3, 1.0, 10.0):
        found = flci.solve(beta, m, 0.95)
        fixed = fixed_weight_half_length(flci, m)
        assert found.half_length <= fixed * (1 + 1e-9)
        lengths.append(found.half_length)
        # The optimum: no random perturbation of the pre weights does better.
        free = found.weights[: n_pre - 1].cumsum()  # partial sums U of the pre weights
        for _ in range(20):
            nearby = free + rng.normal(scale=0.05, size=free.size)
            assert flci.estimator(nearby, m, 0.95)[0] >= found.half_length * (1 - 1e-7)
    assert lengths == sorted(lengths)  # a larger class of trends never shortens the interval
    # Far from parallel trends only the last slope is worth using: the fixed-weight estimator.
    assert flci.solve(beta, 1e3, 0.95).half_length == pytest.approx(
        fixed_weight_half_length(flci, 1e3), rel=1e-6
    )
    # Strictly shorter than the fixed weights where the other pre changes help.
    assert lengths[1] < fixed_weight_half_length(flci, 0.01) * 0.999


def smooth_trend(n_pre: int, n_post: int, m: float, rng: np.random.Generator) -> np.ndarray:
    """First differences (p, q) of a trend difference in Delta^SD(M): a slope plus second
    differences in [-M, M], extreme (+-M) half the time."""
    second = rng.uniform(-m, m, size=n_pre + n_post - 1)
    extreme = rng.random(second.size) < 0.5
    second[extreme] = np.sign(second[extreme]) * m
    changes = np.concatenate([[rng.normal()], second]).cumsum()
    shift: np.ndarray = changes - changes[n_pre - 1] + rng.normal()
    return shift


@pytest.mark.parametrize("target", ["first", "average"])
def test_coverage_under_smooth_trend_differences(target):
    n_pre, n_post, m = 4, 3, 0.1
    sigma = random_sigma(n_pre + n_post, 7) * 0.05
    flci = problem(n_pre, n_post, sigma, target)
    found = flci.solve(np.zeros(n_pre + n_post), m, 0.95)  # weights do not depend on betahat
    rng = np.random.default_rng(8)
    tau = np.array([0.5, 0.8, 1.0])
    weights = flci.a_post[n_pre:]
    theta = float(weights @ tau)
    root = np.linalg.cholesky(sigma)
    exact, drawn = [], []
    for _ in range(40):
        f = smooth_trend(n_pre, n_post, m, rng)
        mean = np.concatenate([f[:n_pre], tau + f[n_pre:].cumsum()])
        # The estimator's bias is v'mean - theta: coverage P(|N(bias, se^2)| <= half) exactly.
        bias = float(found.weights @ mean) - theta
        assert abs(bias) <= found.max_bias * (1 + 1e-9)
        se, half = found.std_error, found.half_length
        exact.append(stats.norm.cdf((half - bias) / se) - stats.norm.cdf((-half - bias) / se))
        draws = mean + rng.standard_normal((100, n_pre + n_post)) @ root.T
        estimates = draws @ found.weights
        drawn.append(np.abs(estimates - theta) <= half)
    assert min(exact) >= 0.95 - 1e-9
    coverage = float(np.mean(drawn))
    assert coverage >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / 4000)


def test_sensitivity_reports_the_optimal_flci_and_its_weights():
    times, beta = [-3, -2, -1, 0, 1], [0.02, -0.03, 0.01, 0.5, 0.7]
    sigma = random_sigma(5, 9) * 0.01
    found = sensitivity(times, beta, sigma, kind="sd", target="average", grid=[0.0, 0.05])
    row = found.rows[1]
    assert row.flci is not None
    assert (row.ci_low, row.ci_high) == row.flci.ci
    payload = found.to_dict()
    assert len(payload["rows"][1]["flci"]["weights"]) == 5
    assert payload["rows"][1]["flci"]["weights"][3:] == pytest.approx([0.5, 0.5])
    assert "optimal fixed-length CI" in found.method
    assert "3 consecutive pre-period change(s)" in found.method


def test_universal_base_uses_the_same_changes():
    # Varying-base pre changes (0.02, -0.03, 0.01) as universal-base levels relative to e = -1.
    varying = sensitivity([-3, -2, -1, 0], [0.02, -0.03, 0.01, 0.5], np.eye(4) * 0.01, kind="sd")
    delta_m4 = -(0.02 - 0.03 + 0.01)
    levels = [delta_m4, delta_m4 + 0.02, delta_m4 + 0.02 - 0.03]
    universal = sensitivity(
        [-4, -3, -2, -1, 0],
        [*levels, 0.0, 0.5],
        np.diag([0.01, 0.01, 0.01, 0.0, 0.01]),
        kind="sd",
        base_period="universal",
        grid=[0.0],
    )
    assert universal.rows[0].set_low == pytest.approx(varying.rows[0].set_low, abs=1e-12)
    assert "3 consecutive pre-period change(s)" in universal.method


def test_worst_case_bias_is_attained():
    # Second differences at +-M with the signs of the bias's coefficients reach the bound.
    n_pre, n_post, m = 4, 3, 0.2
    flci = problem(n_pre, n_post, random_sigma(7, 11), "average")
    found = flci.solve(np.zeros(7), m, 0.95)
    u = found.weights[:n_pre]
    L = flci.tails
    # bias = sum_m g_m r_m: g_m = -(u_1 + ... + u_m) before the reference, then tail sums of L.
    g = np.concatenate([-np.cumsum(u)[:-1], np.cumsum(L[::-1])[::-1]])
    r = m * np.sign(g)
    s = 0.3  # any slope: linear trends cancel
    before = s - np.cumsum(r[: n_pre - 1][::-1])[::-1]
    after = s + np.cumsum(r[n_pre - 1 :])
    f = np.concatenate([before, [s], after])
    mean = np.concatenate([f[:n_pre], f[n_pre:].cumsum()])  # tau = 0
    assert float(found.weights @ mean) == pytest.approx(found.max_bias, rel=1e-10)
