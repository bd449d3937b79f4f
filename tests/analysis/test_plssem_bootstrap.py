"""Bootstrap behaviour: reproducible seeds, honest failure counts, intervals that make sense."""

import numpy as np
import pytest

from countyhub.analysis.errors import AnalysisError
from countyhub.analysis.plssem import PLSModel

from .plssem_support import CORP_REP, CORP_REP_MODEL, MEDIATION_MODEL, simulate_mediation


@pytest.fixture(scope="module")
def corp_rep():
    return PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, missing="mean", na="-99").fit()


def test_the_same_seed_gives_identical_runs_whatever_the_threads(corp_rep):
    one = corp_rep.bootstrap(700, seed=42, n_jobs=1)
    two = corp_rep.bootstrap(700, seed=42, n_jobs=2)
    for group in one.draws:
        np.testing.assert_array_equal(one.draws[group], two.draws[group])
    other = corp_rep.bootstrap(700, seed=43, n_jobs=2)
    assert not np.array_equal(one.draws["paths"], other.draws["paths"])


def test_progress_reaches_the_total(corp_rep):
    seen = []
    corp_rep.bootstrap(2500, seed=1, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (2500, 2500)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_statistics_are_consistent_with_the_draws(corp_rep):
    boot = corp_rep.bootstrap(1000, seed=3)
    stat = boot.statistics["paths"]
    draws = boot.draws["paths"]
    np.testing.assert_allclose(stat.mean, draws.mean(axis=0))
    np.testing.assert_allclose(stat.std_error, draws.std(axis=0, ddof=1))
    np.testing.assert_allclose(stat.statistic, stat.original / stat.std_error)
    np.testing.assert_allclose(stat.ci_low, np.quantile(draws, 0.025, axis=0))
    assert np.all(stat.ci_low < stat.original) and np.all(stat.original < stat.ci_high)
    assert np.all(stat.bca_low < stat.bca_high)
    # The strong paths are significant, COMP -> CUSL (0.009) is not.
    p = dict(zip([" -> ".join(label) for label in stat.labels], stat.pvalue, strict=True))
    assert p["LIKE -> CUSA"] < 0.001 and p["CUSA -> CUSL"] < 0.001
    assert p["COMP -> CUSL"] > 0.5


def test_bootstrap_sd_matches_the_spread_of_independent_samples():
    # The bootstrap SD of a path should estimate its sampling SD across fresh samples.
    text = MEDIATION_MODEL
    fresh = [
        PLSModel.from_syntax(text, simulate_mediation(300, seed=100 + i)).fit().path_matrix
        for i in range(60)
    ]
    sampling_sd = np.std(fresh, axis=0, ddof=1)
    result = PLSModel.from_syntax(text, simulate_mediation(300, seed=99)).fit()
    boot = result.bootstrap(1000, seed=5)
    for (a, b), sd in zip(
        boot.statistics["paths"].labels, boot.statistics["paths"].std_error, strict=True
    ):
        j, k = result.structure.constructs.index(a), result.structure.constructs.index(b)
        assert sd == pytest.approx(sampling_sd[j, k], rel=0.35), (a, b)


def test_failed_resamples_are_counted_not_hidden():
    # A rare category: resamples that miss every 1 make the item constant and cannot be estimated.
    frame = simulate_mediation(40, seed=8)
    frame["inc"] = 0.0
    frame.loc[[3], "inc"] = 1.0
    result = PLSModel.from_syntax(MEDIATION_MODEL, frame).fit()
    boot = result.bootstrap(400, seed=2)
    assert 0 < boot.failed < 400
    assert boot.to_dict()["valid"] == 400 - boot.failed
    assert boot.draws["paths"].shape[0] == 400 - boot.failed
    # (1 - 1/40)^40 of the resamples miss row 3: about 36%.
    assert boot.failed / 400 == pytest.approx((1 - 1 / 40) ** 40, abs=0.08)


def test_non_converged_resamples_are_counted():
    result = PLSModel.from_syntax(CORP_REP_MODEL, CORP_REP, missing="mean", na="-99").fit(
        max_iter=2
    )
    boot = result.bootstrap(300, seed=1)
    assert not result.converged
    assert boot.not_converged == 300 - boot.failed


def test_explicit_indices_are_checked(corp_rep):
    with pytest.raises(AnalysisError, match=r"shape \(resamples, 344\)"):
        corp_rep.bootstrap(indices=np.zeros((5, 10), dtype=int))
    with pytest.raises(AnalysisError, match=r"0\.\.343"):
        corp_rep.bootstrap(indices=np.full((5, 344), 344))


def test_json_shape_of_the_bootstrap(corp_rep):
    out = corp_rep.bootstrap(200, seed=9).to_dict()
    assert out["resamples"] == 200 and out["seed"] == 9 and out["failed"] == 0
    path = out["paths"]["COMP -> CUSA"]
    assert set(path) >= {
        "mean",
        "std_error",
        "statistic",
        "pvalue",
        "ci_low",
        "ci_high",
        "bca_low",
        "bca_high",
    }
    assert set(out["outer_loadings"]["COMP"]["comp_1"]) >= {
        "mean",
        "std_error",
        "ci_low",
        "ci_high",
    }
    assert "LIKE" in out["htmt"]["COMP"]
    assert "COMP -> CUSA -> CUSL" in out["indirect_effects"]
    assert out["total_effects"]["LIKE -> CUSL"]["original"] == pytest.approx(
        out["paths"]["LIKE -> CUSL"]["original"]
        + out["indirect_effects"]["LIKE -> CUSA -> CUSL"]["original"]
    )
