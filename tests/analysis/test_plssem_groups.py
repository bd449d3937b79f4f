"""MICOM and multi-group analysis (issue 18).

No peer runs here (cSEM is R, and there is no CRAN), so the tests are a hand-worked small case of
the p-value rules, simulations with a known population model (shared by both groups, or with one
path that differs), reproducibility by seed, and the command line's refusals.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import PLSModel
from countyhub.analysis.plssem.groups import henseler_probability, permutation_pvalue

MODEL = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
M ~ X
Y ~ X + M
"""


def simulate(n: int, rng: np.random.Generator, *, x_to_m: float = 0.5) -> pd.DataFrame:
    """Three reflective constructs, X -> M -> Y and X -> Y, loadings 0.8, 0.75, 0.7."""
    x = rng.normal(size=n)
    m = x_to_m * x + rng.normal(scale=np.sqrt(1 - x_to_m**2), size=n)
    y = 0.3 * x + 0.4 * m + rng.normal(scale=0.75, size=n)
    data = {}
    for name, score in (("x", x), ("m", m), ("y", y)):
        for i, loading in enumerate((0.8, 0.75, 0.7)):
            data[f"{name}{i + 1}"] = loading * score + rng.normal(
                scale=np.sqrt(1 - loading**2), size=n
            )
    return pd.DataFrame(data)


def two_groups(n: int, seed: int, *, second_x_to_m: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = simulate(n, rng).assign(poor="yes")
    second = simulate(n, rng, x_to_m=second_x_to_m).assign(poor="no")
    return pd.concat([first, second], ignore_index=True)


def compare(frame: pd.DataFrame, *, permutations: int = 199, seed: int = 1):  # type: ignore[no-untyped-def]
    result = PLSModel.from_syntax(MODEL, frame).fit()
    return result.compare_groups(frame["poor"], column="poor", permutations=permutations, seed=seed)


# --- hand-worked p-values -------------------------------------------------------------------


def test_two_sided_permutation_pvalue_counts_ties_and_adds_one():
    # |permuted| >= 0.5: -0.6 and the tie 0.5; NaN (a failed permutation) is left out.
    assert permutation_pvalue(0.5, np.array([0.1, -0.6, 0.5, 0.2, np.nan])) == pytest.approx(3 / 5)
    # Nothing as extreme: the smallest possible p is 1 / (permutations + 1), never 0.
    assert permutation_pvalue(9.0, np.arange(9.0) / 10) == pytest.approx(1 / 10)


def test_lower_tail_pvalue_of_the_composite_correlation():
    # MICOM step 2 is one-sided: permuted c at or below the observed 0.9 are 0.85 and 0.9.
    assert permutation_pvalue(0.9, np.array([0.95, 0.85, 0.9, 0.99]), tail="lower") == 0.6


def test_henseler_probability_by_hand():
    # Reflected draws: a = 2*2 - [1, 2, 3] = [3, 2, 1]; c = 2*0.5 - [0, 1] = [1, 0].
    # Pairs with a_j > c_i: (3,1) (3,0) (2,1) (2,0) (1,0) = 5 of 6, so P(b1 <= b2) = 1/6.
    assert henseler_probability(np.array([1.0, 2, 3]), np.array([0.0, 1])) == pytest.approx(1 / 6)
    assert henseler_probability(np.array([5.0, 6]), np.array([0.0, 1])) == 0.0


# --- simulations ------------------------------------------------------------------------------


def test_shared_population_model_keeps_invariance_and_rejects_at_about_the_nominal_rate():
    rejections = []
    invariant = []
    for replication in range(20):
        comparison = compare(two_groups(100, replication), permutations=99, seed=replication)
        rejections += list(comparison.permutation_pvalue <= 0.05)
        rejections += list(comparison.henseler_pvalue <= 0.05)
        invariant += list(comparison.compositional_invariance)
        assert comparison.failed_permutations == 0
    # 20 replications x 3 paths x 2 tests; at 5% about 6 rejections are expected, 15 is far out.
    assert sum(rejections) <= 15
    assert np.mean(invariant) >= 0.85


def test_a_path_that_differs_is_detected_with_high_power():
    found_perm = found_henseler = 0
    for replication in range(10):
        comparison = compare(
            two_groups(120, 100 + replication, second_x_to_m=0.0),
            permutations=99,
            seed=replication,
        )
        index = comparison.paths.index("X -> M")
        # Groups are ordered by label, so "no" (path 0.0) is first and "yes" (0.5) second.
        assert comparison.groups == ("no", "yes")
        assert comparison.path_diff[index] < 0
        found_perm += comparison.permutation_pvalue[index] <= 0.05
        found_henseler += comparison.henseler_pvalue[index] <= 0.05
        # Henseler's one-sided probability P(b1 <= b2) says which group is larger.
        assert comparison.henseler_p_one_sided[index] > 0.9
    assert found_perm >= 9 and found_henseler >= 9


def test_micom_step_three_finds_a_shifted_mean():
    frame = two_groups(100, 8)
    shifted = frame["poor"] == "yes"
    frame.loc[shifted, ["y1", "y2", "y3"]] += 1.0
    comparison = compare(frame)
    k = comparison.constructs.index("Y")
    assert comparison.mean_diff[k] < -0.5 and comparison.mean_diff_pvalue[k] <= 0.01
    assert not comparison.equal_means[k]
    assert comparison.equal_means[comparison.constructs.index("X")]


# --- reproducibility and outputs ------------------------------------------------------------


def test_same_seed_same_results_and_another_seed_differs():
    frame = two_groups(60, 3)
    first = compare(frame, permutations=49, seed=11).to_dict()
    again = compare(frame, permutations=49, seed=11).to_dict()
    other = compare(frame, permutations=49, seed=12).to_dict()
    assert first == again
    assert first["mga"] != other["mga"]
    assert first["mga"]["X -> M"]["path_diff"] == other["mga"]["X -> M"]["path_diff"]


def test_frames_summary_and_progress():
    frame = two_groups(60, 4)
    calls = []
    result = PLSModel.from_syntax(MODEL, frame).fit()
    comparison = result.compare_groups(
        frame["poor"],
        column="poor",
        permutations=49,
        seed=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls[-1][0] == calls[-1][1] == 1 + 49 + 2 * 49
    table = comparison.to_frame()
    assert set(table.index.get_level_values("test")) == {"micom", "mga"}
    assert comparison.mga_frame().loc["X -> M", "path_diff"] == pytest.approx(
        comparison.path_group1[0] - comparison.path_group2[0]
    )
    text = str(comparison)
    assert "MICOM: no against yes" in text and "Multi-group analysis" in text
    assert comparison.to_dict()["groups"] == {"no": 60, "yes": 60}


def test_bad_groupings_are_refused_by_name():
    frame = two_groups(30, 5)
    result = PLSModel.from_syntax(MODEL, frame).fit()
    three = frame["poor"].where(frame.index % 7 != 0, "maybe")
    with pytest.raises(AnalysisError, match=r"'poor' has 3 groups \('maybe', 'no', 'yes'\)"):
        result.compare_groups(three, column="poor", permutations=19)
    small = np.where(frame.index < 15, "yes", "no")
    with pytest.raises(AnalysisError, match=r"group 'yes' of 'poor' has 15 rows.*at least 20"):
        result.compare_groups(small, column="poor", permutations=19)
    gaps = frame["poor"].where(frame.index != 4, None)
    with pytest.raises(AnalysisError, match="missing in row 5"):
        result.compare_groups(gaps, column="poor", permutations=19)


# --- command line ----------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "sem", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def survey(tmp_path):
    model = tmp_path / "model.txt"
    model.write_text(MODEL, encoding="utf-8")
    data = tmp_path / "survey.csv"
    two_groups(40, 9).to_csv(data, index=False)
    return data, model


def test_cli_prints_json_and_html_tables(survey, tmp_path):
    data, model = survey
    shown = run(str(data), "--model", str(model), "--groups", "poor", "--permutations", "29")
    assert shown.returncode == 0, shown.stderr
    assert "MICOM: no against yes" in shown.stdout and "Henseler p" in shown.stdout
    assert "Seed:" not in shown.stdout or "--seed" in shown.stdout
    out, page = tmp_path / "r.json", tmp_path / "r.html"
    written = run(
        str(data),
        "--model",
        str(model),
        "--groups",
        "poor",
        "--permutations",
        "29",
        "--seed",
        "5",
        "--json",
        str(out),
        "--report",
        str(page),
    )
    assert written.returncode == 0, written.stderr
    assert "Groups (poor): no (n = 40) against yes (n = 40), 29 permutations" in written.stdout
    payload = json.loads(out.read_text())
    assert payload["provenance"]["seed"] == 5  # the stamp names the seed with no bootstrap
    assert payload["groups"]["seed"] == 5 and set(payload["groups"]["mga"]) == {
        "X -> M",
        "X -> Y",
        "M -> Y",
    }
    assert "Multi-group analysis: no against yes" in page.read_text()


@pytest.mark.parametrize(
    ("edit", "column", "message"),
    [
        (lambda f: f.assign(poor=np.where(f.index % 3 == 0, "a", f["poor"])), "poor", "3 groups"),
        (lambda f: f.assign(poor=np.where(f.index < 12, "yes", "no")), "poor", "'yes'"),
        (lambda f: f, "porr", "no column named 'porr'"),
        (lambda f: f.assign(poor=np.where(f.index == 6, "", f["poor"])), "poor", "row 7"),
    ],
)
def test_cli_refuses_bad_groupings_with_exit_2(survey, edit, column, message):
    data, model = survey
    edit(pd.read_csv(data)).to_csv(data, index=False)
    result = run(str(data), "--model", str(model), "--groups", column, "--permutations", "29")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_refuses_too_few_permutations(survey):
    data, model = survey
    result = run(str(data), "--model", str(model), "--groups", "poor", "--permutations", "5")
    assert result.returncode == 2 and "error: 5 permutations: give at least 19" in result.stderr


def test_labels_line_up_with_the_rows_left_after_listwise_deletion(tmp_path):
    frame = two_groups(40, 6)
    frame.loc[[0, 1, 2], "x1"] = np.nan  # three "yes" rows dropped
    result = PLSModel.from_syntax(MODEL, frame, missing="listwise").fit()
    comparison = result.compare_groups(frame["poor"], column="poor", permutations=19, seed=1)
    assert comparison.sizes == (40, 37)
    path = tmp_path / "survey.parquet"
    frame.to_parquet(path)
    from countyhub.analysis.plssem.data import read_labels

    assert read_labels(path, "poor") == list(frame["poor"])
