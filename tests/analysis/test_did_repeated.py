"""Repeated cross-sections (R did's ``panel = FALSE``): each row a different individual observed
once. Checked against a 2x2 case worked by hand, the cell-mean formula, a simulation with a known
effect and the command line; agreement with the peer ``differences`` on mpdta read as
cross-sections is in test_did_options.py (the ``cross_section_*`` references)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from countyhub.analysis.did import StaggeredDiD
from countyhub.analysis.errors import AnalysisError

SPEC = {"time": "t", "outcome": "y", "treated_from": "g", "layout": "cross_section"}
MPDTA = Path(__file__).resolve().parent / "reference" / "mpdta.csv"


def two_by_two() -> pd.DataFrame:
    # Treated before: 1, 3 (mean 2); after: 6, 8, 10 (mean 8).
    # Comparison before: 0, 2 (mean 1); after: 2, 4 (mean 3).
    return pd.DataFrame(
        {
            "t": [1, 1, 2, 2, 2, 1, 1, 2, 2],
            "g": [2, 2, 2, 2, 2, 0, 0, 0, 0],
            "y": [1.0, 3.0, 6.0, 8.0, 10.0, 0.0, 2.0, 2.0, 4.0],
        }
    )


def simulate(
    n: int, seed: int, *, covariate_trend: float = 0.0, weights: bool = False
) -> pd.DataFrame:
    """Individuals drawn afresh each period (1..5); cohorts 3, 4 and never treated (0).

    The effect of cohort g in period t >= g is 1 + 0.5 (t - g) (column ``effect``). With
    ``covariate_trend`` the outcome trends with x, whose mean differs by cohort, so trends are
    parallel only given x.
    """
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 6, size=n)
    g = rng.choice([0, 3, 4], size=n, p=[0.4, 0.3, 0.3])
    x = rng.normal(0.5 * (g == 3) - 0.5 * (g == 4), 1.0)
    effect = np.where((g > 0) & (t >= g), 1.0 + 0.5 * (t - g), 0.0)
    level = 0.3 * g + 0.2 * t**1.5 + covariate_trend * x * t
    frame = pd.DataFrame(
        {
            "t": t,
            "g": g,
            "x": x,
            "y": level + effect + rng.normal(0.0, 1.0, n),
            "effect": effect,
            "village": rng.integers(0, 60, size=n),
        }
    )
    if weights:
        frame["w"] = rng.uniform(0.5, 2.0, n)
    return frame


def test_two_by_two_by_hand():
    result = StaggeredDiD(two_by_two(), **SPEC).fit(seed=1)
    cell = result.att_gt[(2, 2)]
    assert cell.att == pytest.approx((8 - 2) - (3 - 1), abs=1e-14)
    # Each row's influence function is n (y - cell mean) / rows in the cell: the variance is the
    # sum over the four cells of (mean squared deviation) / (rows): 1/2 + (8/3)/3 + 1/2 + 1/2.
    assert cell.std_error == pytest.approx(np.sqrt(43 / 18), abs=1e-14)
    assert result.simple.att == pytest.approx(4.0, abs=1e-14)
    assert result.simple.std_error == pytest.approx(np.sqrt(43 / 18), abs=1e-14)
    assert result.n_units == 9
    assert result.meta["layout"] == "cross_section"
    assert "9 rows (one individual each) in 2 periods" in result.short_summary()
    assert "each observed once (repeated cross-sections)" in result.describe()


def cell_means(frame: pd.DataFrame, g: int, t: int, base: int, control: str) -> float:
    def mean(rows: pd.Series, period: int) -> float:
        chosen = frame[rows & (frame["t"] == period)]
        if "w" in chosen:
            return float(np.average(chosen["y"], weights=chosen["w"]))
        return float(chosen["y"].mean())

    treated = frame["g"] == g
    comparison = frame["g"] == 0
    if control == "notyet":
        comparison |= (frame["g"] > max(t, base)) & (frame["g"] != g)
    return (mean(treated, t) - mean(treated, base)) - (mean(comparison, t) - mean(comparison, base))


@pytest.mark.parametrize("control", ["never", "notyet"])
@pytest.mark.parametrize("base_period", ["varying", "universal"])
@pytest.mark.parametrize("weights", [False, True])
def test_unconditional_cells_are_differences_of_cell_means(control, base_period, weights):
    frame = simulate(3000, seed=5, weights=weights)
    result = StaggeredDiD(
        frame, **SPEC, control=control, base_period=base_period, weights="w" if weights else None
    ).fit(seed=1)
    assert len(result.att_gt) == (10 if base_period == "universal" else 8)
    for (g, t), cell in result.att_gt.items():
        base = result.base_periods[(g, t)]
        if base == t:  # the universal base period's own cell: zero by construction
            assert cell.att == 0.0
            continue
        assert cell.att == pytest.approx(cell_means(frame, g, t, base, control), abs=1e-12)
    # The three estimators coincide without covariates.
    for method in ("ipw", "reg"):
        other = StaggeredDiD(
            frame, **SPEC, control=control, base_period=base_period, method=method,
            weights="w" if weights else None,
        ).fit(seed=1)  # fmt: skip
        assert_allclose(
            [e.att for e in other.att_gt.values()], [e.att for e in result.att_gt.values()],
            atol=1e-12,
        )  # fmt: skip


def test_clustered_standard_error_sums_row_influence_within_clusters():
    frame = simulate(2000, seed=8)
    result = StaggeredDiD(frame, **SPEC, cluster="village").fit(seed=1)
    g, t, base = 3, 4, 2
    cell = frame[((frame["g"] == g) | (frame["g"] == 0)) & frame["t"].isin([t, base])]
    keys = cell["g"].astype(str) + "/" + cell["t"].astype(str)
    deviation = cell["y"] - cell.groupby(keys)["y"].transform("mean")
    sign = np.where(cell["g"] == g, 1.0, -1.0) * np.where(cell["t"] == t, 1.0, -1.0)
    influence = sign * deviation / keys.map(keys.value_counts())  # n IF / n
    by_village = influence.groupby(cell["village"]).sum()
    assert result.att_gt[(g, t)].std_error == pytest.approx(
        float(np.sqrt((by_village**2).sum())), rel=1e-12
    )
    assert result.meta["n_clusters"] == frame["village"].nunique()
    assert "clustered by row and village" in result.meta["standard_errors"]
    unclustered = StaggeredDiD(frame, **SPEC).fit(seed=1)
    assert result.att_gt[(g, t)].att == unclustered.att_gt[(g, t)].att
    assert result.att_gt[(g, t)].std_error == pytest.approx(
        float(np.sqrt((influence**2).sum())), rel=1e-1
    )  # little correlation within villages: the two SEs are close but not the same
    assert result.att_gt[(g, t)].std_error != unclustered.att_gt[(g, t)].std_error


def test_simulation_recovers_the_effect_only_with_covariates():
    frame = simulate(12000, seed=11, covariate_trend=1.0)
    truth = {(g, t): (1.0 + 0.5 * (t - g)) if t >= g else 0.0 for g in (3, 4) for t in range(2, 6)}
    adjusted = StaggeredDiD(frame, **SPEC, covariates=["x"]).fit(seed=3, bootstrap=299)
    for key, cell in adjusted.att_gt.items():
        assert cell.band_low <= truth[key] <= cell.band_high, (key, cell)
    post = [k for k in truth if k[1] >= k[0]]
    true_simple = float(frame.loc[(frame["g"] > 0) & (frame["t"] >= frame["g"]), "effect"].mean())
    assert adjusted.simple.ci_low <= true_simple <= adjusted.simple.ci_high
    naive = StaggeredDiD(frame, **SPEC).fit(seed=3)
    # Trends differ by cohort through x: without it the post cells are off by many SEs.
    worst = max(abs(naive.att_gt[k].att - truth[k]) / naive.att_gt[k].std_error for k in post)
    assert worst > 5
    assert "multiplier bootstrap (299" in adjusted.meta["standard_errors"]


def test_bootstrap_standard_errors_near_analytic_with_clusters():
    frame = simulate(4000, seed=2)
    analytic = StaggeredDiD(frame, **SPEC, cluster="village").fit(seed=4)
    boot = StaggeredDiD(frame, **SPEC, cluster="village").fit(seed=4, bootstrap=999)
    again = StaggeredDiD(frame, **SPEC, cluster="village").fit(seed=4, bootstrap=999)
    assert boot.simple.std_error == again.simple.std_error  # seeded
    assert boot.simple.std_error == pytest.approx(analytic.simple.std_error, rel=0.15)


def test_unit_is_needed_except_for_cross_sections():
    frame = two_by_two()
    with pytest.raises(AnalysisError, match="give the unit column"):
        StaggeredDiD(frame, time="t", outcome="y", treated_from="g")
    # The unit column is ignored for cross-sections (every row its own individual).
    result = StaggeredDiD(frame.assign(id=1), **SPEC, unit="id").fit(seed=1)
    assert result.att_gt[(2, 2)].att == pytest.approx(4.0)
    assert "unit=None" in result.meta["command"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "did", *args],
        capture_output=True,
        text=True,
        check=False,
    )


REPEATED = ("--time", "year", "--outcome", "lemp", "--treated-from", "first.treat")


def test_cli_repeated_layout(tmp_path):
    frame = pd.read_csv(MPDTA).drop(columns=["countyreal"])
    data = tmp_path / "rc.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "rc.json"
    result = run(str(data), *REPEATED, "--layout", "repeated", "--seed", "1", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "2500 rows (one individual each) in 5 periods used" in result.stdout
    payload = pd.read_json(out, typ="series")
    assert payload["meta"]["layout"] == "cross_section"
    # cross-section stays a name for the same layout
    alias = run(str(data), *REPEATED, "--layout", "cross-section", "--seed", "1")
    plain = run(str(data), *REPEATED, "--layout", "repeated", "--seed", "1")
    assert alias.returncode == 0 and alias.stdout == plain.stdout


def test_cli_repeated_layout_errors(tmp_path):
    frame = pd.read_csv(MPDTA).drop(columns=["countyreal"])
    frame["lemp"] = frame["lemp"].astype(object)
    frame.loc[6, "lemp"] = "n/a"
    data = tmp_path / "bad.csv"
    frame.to_csv(data, index=False)
    bad = run(str(data), *REPEATED, "--layout", "repeated")
    assert bad.returncode == 2 and bad.stderr.startswith("error: ")
    assert "'lemp'" in bad.stderr and "row 7" in bad.stderr, bad.stderr
    no_unit = run(str(data), *REPEATED)
    assert no_unit.returncode == 2
    assert "--unit is required with --layout balanced" in no_unit.stderr
    wrong = run(str(data), *REPEATED, "--layout", "repeated", "--cluster", "state")
    assert wrong.returncode == 2 and "state" in wrong.stderr, wrong.stderr
    unknown = run(str(data), *REPEATED, "--layout", "rows")
    assert unknown.returncode == 2 and "repeated" in unknown.stderr


def test_mpdta_as_cross_sections_keeps_r_dids_published_point_estimates():
    # Without covariates every cell is a difference of cell means, the same on a balanced panel
    # read as cross-sections: R did's published mpdta aggregates (panel) hold for the estimates.
    # Their standard errors differ (cross-sections ignore the pairing); no published R output
    # for panel = FALSE is checked here.
    frame = pd.read_csv(MPDTA).drop(columns=["countyreal"])
    spec = {"time": "year", "outcome": "lemp", "treated_from": "first.treat"}
    result = StaggeredDiD(frame, **spec, layout="cross_section").fit(seed=1)
    assert_allclose(result.simple.att, -0.0399513, atol=1e-6)
    assert_allclose(result.overall_group.att, -0.031018, atol=1e-6)
    assert_allclose(result.overall_event_time.att, -0.077240, atol=1e-6)
    assert_allclose(result.overall_calendar.att, -0.041700, atol=1e-6)
    assert result.simple.std_error > 0.0120340  # the panel's SE uses the pairing
