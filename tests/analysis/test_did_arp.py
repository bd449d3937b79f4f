"""The ARP conditional test for relative magnitudes: the enumerated dual vertices give the linear
program's optimum, the test holds its size at the truth for trend differences in Delta^RM(Mbar)
(a small simulation), and the robust intervals, their breakdown value and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from countyhub.analysis.did.arp import ConditionalTest, accepts, polyhedra
from countyhub.analysis.did.sensitivity import sensitivity
from countyhub.analysis.errors import AnalysisError

TIMES = [-3, -2, -1, 0, 1, 2]
BETA = np.array([0.05, -0.1, 0.08, 0.6, 0.9, 1.1])
CHANGES = np.eye(6)[:3]  # varying base: the pre estimates are the pre changes
POST = [3, 4, 5]


def covariance(seed: int = 0) -> np.ndarray:
    root = np.random.default_rng(seed).normal(size=(6, 6)) * 0.05
    sigma: np.ndarray = root @ root.T + np.eye(6) * 0.002
    return sigma


@pytest.mark.parametrize("weights", [np.array([1.0, 0, 0]), np.ones(3) / 3])
def test_vertices_give_the_linear_programs_optimum(weights):
    sigma = covariance()
    rng = np.random.default_rng(1)
    for piece in polyhedra(CHANGES, POST, weights, 0.7):
        test = ConditionalTest.of(piece, sigma)
        scale = np.sqrt(np.diag(test.sigma_y))
        for _ in range(5):
            Y = rng.normal(size=len(scale))
            # max lambda'Y over {lambda >= 0, X'lambda = 0, scale'lambda = 1} by HiGHS
            found = optimize.linprog(
                -Y,
                A_eq=np.vstack([piece.X.T, scale[None, :]]),
                b_eq=np.concatenate([np.zeros(piece.X.shape[1]), [1.0]]),
                bounds=(0, None),
            )
            assert (test.corners @ Y).max() == pytest.approx(-found.fun, abs=1e-10)


def rm_trend(mbar: float, rng: np.random.Generator) -> np.ndarray:
    """Pre changes and post changes of a trend difference in Delta^RM(Mbar), post changes at
    the bound +-Mbar * max |pre| half of the time."""
    pre = rng.normal(scale=0.05, size=3)
    bound = mbar * np.abs(pre).max()
    post = rng.uniform(-bound, bound, size=3)
    extreme = rng.random(3) < 0.5
    post[extreme] = np.sign(post[extreme]) * bound
    return np.concatenate([pre, post])


@pytest.mark.parametrize("target", ["first", "average"])
def test_size_at_the_truth(target):
    # 8 trend differences x 25 draws: the truth is rejected at most about 5% of the time.
    sigma = covariance(2)
    weights = np.array([1.0, 0, 0]) if target == "first" else np.ones(3) / 3
    tau = np.array([0.3, 0.5, 0.6])
    theta = float(weights @ tau)
    rng = np.random.default_rng(3)
    root = np.linalg.cholesky(sigma)
    rejected = 0
    draws = 0
    for _ in range(8):
        changes = rm_trend(1.0, rng)
        mean = np.concatenate([changes[:3], tau + changes[3:].cumsum()])
        for _ in range(25):
            beta = mean + root @ rng.standard_normal(6)
            rejected += not accepts(beta, sigma, CHANGES, POST, weights, 1.0, 0.95, theta)
            draws += 1
    assert rejected / draws <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / draws)


@pytest.mark.parametrize("target", ["first", "average"])
def test_conditional_intervals_beside_bonferroni(target):
    sigma = covariance()
    grid = [0.0, 0.5, 1.0, 2.0]
    bonferroni = sensitivity(TIMES, BETA, sigma, kind="rm", target=target, grid=grid)
    conditional = sensitivity(
        TIMES, BETA, sigma, kind="rm", target=target, grid=grid, rm_test="conditional"
    )
    assert "Andrews, Roth & Pakes" in conditional.method
    for ours, simple in zip(conditional.rows, bonferroni.rows, strict=True):
        assert (ours.set_low, ours.set_high) == (simple.set_low, simple.set_high)
        assert ours.ci_low < ours.ci_high
        if ours.parameter >= 0.5:  # shorter than the Bonferroni interval in this example
            assert ours.ci_high - ours.ci_low < simple.ci_high - simple.ci_low
        # The interval's ends are accepted, points just beyond them rejected.
        pieces = (BETA, sigma, CHANGES, POST, conditional_weights(target), ours.parameter, 0.95)
        assert accepts(*pieces, ours.ci_low) and accepts(*pieces, ours.ci_high)
        width = ours.ci_high - ours.ci_low
        assert not accepts(*pieces, ours.ci_low - 1e-3 * width)
        assert not accepts(*pieces, ours.ci_high + 1e-3 * width)
    breakdown = conditional.breakdown
    assert breakdown is not None and breakdown > 0
    for row in conditional.rows:
        assert row.covers_zero == (row.parameter >= breakdown)
    weights = conditional_weights(target)
    assert accepts(BETA, sigma, CHANGES, POST, weights, breakdown, 0.95, 0.0)
    assert not accepts(BETA, sigma, CHANGES, POST, weights, breakdown * 0.999, 0.95, 0.0)


def conditional_weights(target: str) -> np.ndarray:
    return np.array([1.0, 0, 0]) if target == "first" else np.ones(3) / 3


def test_bad_rm_test_is_named():
    with pytest.raises(AnalysisError, match="bonferroni or conditional"):
        sensitivity(TIMES, BETA, covariance(), kind="rm", rm_test="hybrid")  # type: ignore[arg-type]


def test_exact_size_when_the_bound_binds():
    # One pre change p = 0.3 and the post change at the bound Mbar * p: the conditional test of
    # the true effect on the true polyhedron (p the largest, positive) rejects 5% of the time.
    sigma = np.array([[0.0025, 0.001], [0.001, 0.0025]])
    plus, minus = polyhedra(np.eye(2)[:1], [1], np.array([1.0]), 1.0)
    tests = ConditionalTest.of(plus, sigma), ConditionalTest.of(minus, sigma)
    rng = np.random.default_rng(5)
    draws = (
        np.array([0.3, 0.5 + 0.3]) + rng.standard_normal((4000, 2)) @ np.linalg.cholesky(sigma).T
    )
    rejected = np.array([tests[0].rejects(beta, 0.5, 0.05) for beta in draws])
    assert abs(rejected.mean() - 0.05) <= 3 * np.sqrt(0.05 * 0.95 / 4000)
    # The other polyhedron (p the largest negative) is rejected almost always: the union's size
    # is the true polyhedron's.
    assert np.mean([tests[1].rejects(beta, 0.5, 0.05) for beta in draws[:400]]) > 0.9


def test_cli_conditional_test(tmp_path):
    mpdta = Path(__file__).resolve().parent / "reference" / "mpdta.csv"
    command = [
        sys.executable, "-m", "countyhub.cli", "analyze", "did", str(mpdta),
        "--unit", "countyreal", "--time", "year", "--outcome", "lemp",
        "--treated-from", "first.treat", "--seed", "1", "--sensitivity", "rm",
    ]  # fmt: skip
    out = tmp_path / "did.json"
    done = subprocess.run(
        [*command, "--sensitivity-test", "conditional", "--json", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    payload = json.loads(out.read_text())["sensitivity"]
    assert "Andrews, Roth & Pakes" in payload["method"]
    assert [row["parameter"] for row in payload["rows"]] == [0.0, 0.5, 1.0, 1.5, 2.0]
    bad = subprocess.run(
        [*command, "--sensitivity-test", "hybrid"], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --sensitivity-test must be one of bonferroni, conditional")
