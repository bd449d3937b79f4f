"""Rambachan-Roth style sensitivity of the DiD event study: hand-worked bounds, monotonicity,
the breakdown value, a simulation under parallel trends, and `--sensitivity` end to end."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

from countyhub.analysis.did import StaggeredDiD
from countyhub.analysis.did.sensitivity import sensitivity
from countyhub.analysis.did.simulate import simulate_rollout
from countyhub.analysis.errors import AnalysisError

MPDTA = Path(__file__).resolve().parent / "reference" / "mpdta.csv"
TIMES = [-2, -1, 0]  # two pre periods, one post period (varying base: pre = one-period changes)
BETA = [0.1, -0.2, 1.0]
SIGMA = np.diag([0.01, 0.01, 0.04])  # SEs 0.1, 0.1, 0.2


def test_relative_magnitudes_by_hand():
    found = sensitivity(TIMES, BETA, SIGMA, kind="rm", grid=[0.0, 1.0])
    zero, one = found.rows
    # Mbar = 0: the usual 95% interval 1 -+ 1.96 * 0.2, and the set is the point.
    assert (zero.set_low, zero.set_high) == (1.0, 1.0)
    assert zero.ci_low == pytest.approx(1 - 1.959964 * 0.2, abs=1e-6)
    assert zero.ci_high == pytest.approx(1 + 1.959964 * 0.2, abs=1e-6)
    assert found.original_ci == pytest.approx((zero.ci_low, zero.ci_high))
    # Mbar = 1: largest pre change |-0.2| -> identified set [0.8, 1.2].
    assert (one.set_low, one.set_high) == pytest.approx((0.8, 1.2))
    # Robust CI: Bonferroni, alpha/2 on the estimate (z = 2.2414) and alpha/2 over the two pre
    # changes (z = 2.4977 each): upper bound on the largest change 0.2 + 2.4977 * 0.1.
    z_est, z_pre = 2.241403, 2.497705
    upper = 0.2 + z_pre * 0.1
    assert one.ci_high == pytest.approx(1 + upper + z_est * 0.2, abs=1e-5)
    assert one.ci_low == pytest.approx(1 - upper - z_est * 0.2, abs=1e-5)
    # Breakdown: 1 = Mbar * upper + z_est * 0.2.
    assert found.breakdown == pytest.approx((1 - z_est * 0.2) / upper, abs=1e-5)


def test_smoothness_by_hand():
    found = sensitivity(TIMES, BETA, SIGMA, kind="sd", grid=[0.0, 0.1])
    zero, tenth = found.rows
    # Identified set: the last pre slope (-0.2) extrapolated, 1.0 - (-0.2) = 1.2, -+ M.
    assert (zero.set_low, zero.set_high) == pytest.approx((1.2, 1.2))
    assert (tenth.set_low, tenth.set_high) == pytest.approx((1.1, 1.3))
    # M = 0: a linear trend difference; the two independent pre slopes (0.1, -0.2) of equal
    # variance are averaged: 1.0 - (-0.05) = 1.05, variance 0.04 + 2 * 0.25 * 0.01.
    se = math.sqrt(0.045)
    assert (zero.ci_low, zero.ci_high) == pytest.approx(
        (1.05 - 1.959964 * se, 1.05 + 1.959964 * se), abs=1e-6
    )

    # M = 0.1: weights (U, -1 - U) on the pre slopes; estimate 1 + 0.2 + 0.3 U, variance
    # 0.04 + 0.01 (U^2 + (1 + U)^2), worst-case bias 0.1 (1 + |U|); the half-length
    # se * foldnorm quantile minimised over U by brute force.
    def half(u: float) -> float:
        sd = math.sqrt(0.04 + 0.01 * (u * u + (1 + u) ** 2))
        return sd * stats.foldnorm.ppf(0.95, 0.1 * (1 + abs(u)) / sd)

    best = optimize.minimize_scalar(
        half, bounds=(-1.0, 0.0), method="bounded", options={"xatol": 1e-10}
    )
    center = 1.2 + 0.3 * best.x
    assert (tenth.ci_low, tenth.ci_high) == pytest.approx(
        (center - best.fun, center + best.fun), abs=1e-7
    )
    assert tenth.flci is not None and tenth.flci.max_bias == pytest.approx(0.1 * (1 + abs(best.x)))
    # Breakdown: the M whose optimal FLCI just reaches 0.
    m = found.breakdown
    assert m is not None and m > 0
    at = sensitivity(TIMES, BETA, SIGMA, kind="sd", grid=[m]).rows[0]
    assert at.ci_low == pytest.approx(0.0, abs=1e-6)


def test_universal_base_gives_the_same_changes():
    # Universal base: beta_e = delta_e - delta_{-1}; beta_{-2} = 0.2 means the change into the
    # reference period is -0.2, the same trend as in the varying-base case above.
    universal = sensitivity(
        [-2, -1, 0],
        [0.2, 0.0, 1.0],
        np.diag([0.01, 0.0, 0.04]),
        kind="sd",
        grid=[0.0],
        base_period="universal",
    )
    assert universal.rows[0].set_low == pytest.approx(1.2)


@pytest.mark.parametrize("kind", ["rm", "sd"])
@pytest.mark.parametrize("target", ["first", "average"])
def test_bounds_widen_monotonically(kind, target):
    times = [-3, -2, -1, 0, 1, 2]
    beta = [0.05, -0.1, 0.08, 0.6, 0.9, 1.1]
    rng = np.random.default_rng(0)
    root = rng.normal(size=(6, 6)) * 0.05
    sigma = root @ root.T + np.eye(6) * 0.002
    grid = [0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
    found = sensitivity(times, beta, sigma, kind=kind, target=target, grid=grid)
    lows = [row.ci_low for row in found.rows]
    highs = [row.ci_high for row in found.rows]
    assert lows == sorted(lows, reverse=True)
    assert highs == sorted(highs)
    for row in found.rows:
        assert row.ci_low <= row.set_low <= row.set_high <= row.ci_high
    # Breakdown: the first grid value covering 0 is at or above it, the ones below do not.
    assert found.breakdown is not None
    for row in found.rows:
        assert row.covers_zero == (row.parameter >= found.breakdown - 1e-9)


def test_no_breakdown_when_already_insignificant():
    found = sensitivity([-1, 0], [0.1, 0.1], np.diag([0.01, 0.04]), kind="rm")
    assert found.breakdown == 0.0
    assert found.rows[0].covers_zero


def test_bad_input_is_named():
    with pytest.raises(AnalysisError, match="pre-treatment change"):
        sensitivity([0, 1], [1.0, 1.0], np.eye(2), kind="rm")
    with pytest.raises(AnalysisError, match="rm or sd"):
        sensitivity(TIMES, BETA, SIGMA, kind="xx")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="without gaps"):
        sensitivity([-1, 0, 2], [0.0, 1.0, 1.0], np.eye(3), kind="rm")


@pytest.fixture(scope="module")
def parallel() -> object:
    frame = simulate_rollout(n_units=600, seed=3)  # parallel trends hold by construction
    model = StaggeredDiD(frame, unit="unit", time="year", outcome="y", treated_from="first_treated")
    return model.fit(seed=3)


def test_simulation_under_parallel_trends(parallel):
    for kind in ("rm", "sd"):
        result = parallel.with_sensitivity(kind)
        found = result.sensitivity
        assert found.breakdown is not None and found.breakdown > 0
        assert not found.rows[0].covers_zero
        # The covariance kept on the results matches the event-study SEs.
        cov = np.asarray(result.event_time_covariance)
        ses = [e.std_error for e in result.event_time.values()]
        assert np.sqrt(np.diag(cov)) == pytest.approx(ses, rel=1e-9)
        assert result.to_dict()["sensitivity"]["breakdown"] == found.breakdown
        text = result.summary.as_text()
        assert "Sensitivity to parallel trends" in text
        page = result.to_html()
        assert "Sensitivity to parallel trends" in page and page.count("<svg") >= 2
    rm = parallel.with_sensitivity("rm", target="average").sensitivity
    assert [row.parameter for row in rm.rows] == [0.0, 0.5, 1.0, 1.5, 2.0]
    # Mbar = 0 is the standard CI of the first post period's estimate.
    first = parallel.with_sensitivity("rm").sensitivity.rows[0]
    assert (first.ci_low, first.ci_high) == pytest.approx(
        (parallel.event_time[0].ci_low, parallel.event_time[0].ci_high)
    )


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "did", *args],
        capture_output=True,
        text=True,
        check=False,
    )


COMMAND = (
    str(MPDTA), "--unit", "countyreal", "--time", "year", "--outcome", "lemp",
    "--treated-from", "first.treat", "--seed", "1",
)  # fmt: skip


def test_cli_sensitivity_end_to_end(tmp_path):
    out, report = tmp_path / "did.json", tmp_path / "did.html"
    result = run(*COMMAND, "--sensitivity", "rm", "--json", str(out), "--report", str(report))
    assert result.returncode == 0, result.stderr
    assert "sensitivity:" in result.stdout
    payload = json.loads(out.read_text())["sensitivity"]
    assert payload["kind"] == "rm" and payload["target"] == "first"
    assert [row["parameter"] for row in payload["rows"]] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert "Sensitivity to parallel trends" in report.read_text()
    text = run(*COMMAND, "--sensitivity", "sd", "--sensitivity-target", "average")
    assert text.returncode == 0, text.stderr
    assert "Sensitivity to parallel trends (smoothness; average of post periods)" in text.stdout


def test_cli_bad_sensitivity_exits_2():
    result = run(*COMMAND, "--sensitivity", "xx")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --sensitivity must be one of rm, sd")
    result = run(*COMMAND, "--sensitivity", "rm", "--anticipation", "1")
    assert result.returncode == 2
    assert "error: the sensitivity analysis assumes no anticipation" in result.stderr
