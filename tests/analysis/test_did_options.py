"""R did's options (est_method, anticipation, base_period, weights), clustering, the pre-test,
the multiplier bootstrap and tidy frames, against the peer's reference and cases worked by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from countyhub.analysis.did import StaggeredDiD
from countyhub.analysis.did.simulate import simulate_rollout
from countyhub.analysis.errors import AnalysisError, DataError

from .reference.did_differences import sampling_weight, unbalanced

REFERENCE = Path(__file__).resolve().parent / "reference"
SPEC = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first.treat"}
PEER = json.loads((REFERENCE / "did_differences.json").read_text())
TOLERANCE = 1e-6  # the propensity-score logits converge to ~1e-9 of each other


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / "mpdta.csv")
    frame["weight"] = sampling_weight(frame["countyreal"])
    return frame


def ours(frame: pd.DataFrame, options: dict) -> dict:  # type: ignore[type-arg]
    """Our estimate with the peer's options translated."""
    formula = options["formula"]
    layout = options.get("layout", "balanced")
    if layout == "unbalanced":
        frame = unbalanced(frame)
    covariates = [c.strip() for c in formula.split("~")[1].split("+")] if "~" in formula else []
    result = StaggeredDiD(
        frame,
        **SPEC,
        covariates=covariates,
        control="notyet" if options.get("control_group") == "not_yet_treated" else "never",
        method={"std_ipw": "ipw"}.get(options["est_method"], options["est_method"]),
        base_period=options.get("base_period", "varying"),
        anticipation=options.get("anticipation", 0),
        weights=options.get("weights_column"),
        layout=layout,
    ).fit(seed=1)

    def pairs(values: dict, key) -> dict:  # type: ignore[no-untyped-def,type-arg]
        return {key(k): [e.att, e.std_error] for k, e in values.items()}

    return {
        "att_gt": pairs(result.att_gt, lambda k: f"{k[0]},{k[1]}"),
        "event_time": pairs(result.event_time, str),
        "group": pairs(result.group, str),
        "calendar": pairs(result.calendar, str),
        "simple": [result.simple.att, result.simple.std_error],
    }


def as_array(pairs: list) -> np.ndarray:  # type: ignore[type-arg]
    return np.array([np.nan if v is None else v for v in pairs], dtype=float)


@pytest.mark.parametrize("name", sorted(PEER))
def test_agrees_with_the_peer_reference(mpdta, name):
    expected = PEER[name]
    mine = ours(mpdta, expected["options"])
    assert_allclose(mine["simple"], expected["simple"], atol=TOLERANCE)
    for table in ("att_gt", "event_time", "group", "calendar"):
        assert set(mine[table]) == set(expected[table]), table
        for key, value in expected[table].items():
            assert_allclose(
                as_array(mine[table][key]),
                as_array(value),
                atol=TOLERANCE,
                err_msg=f"{table} {key}",
            )


def test_methods_coincide_without_covariates(mpdta):
    results = [StaggeredDiD(mpdta, **SPEC, method=m).fit(seed=1) for m in ("dr", "ipw", "reg")]
    for other in results[1:]:
        assert_allclose(other.simple.att, results[0].simple.att, atol=1e-12)
        assert_allclose(other.simple.std_error, results[0].simple.std_error, atol=1e-12)
    assert [r.method for r in results] == ["dr", "ipw", "reg"]
    assert "inverse probability weighting" in results[1].methods


def test_equal_weights_change_nothing(mpdta):
    plain = StaggeredDiD(mpdta, **SPEC, covariates=["lpop"]).fit(seed=1)
    weighted = StaggeredDiD(mpdta.assign(w=3.0), **SPEC, covariates=["lpop"], weights="w").fit(
        seed=1
    )
    assert_allclose(weighted.simple.att, plain.simple.att, atol=1e-12)
    assert_allclose(weighted.simple.std_error, plain.simple.std_error, atol=1e-12)
    assert_allclose(weighted.twfe.coef, plain.twfe.coef, atol=1e-12)


def test_integer_weights_equal_repeated_units_in_the_estimate(mpdta):
    # Weight 2 on a unit gives the same ATT as that unit appearing twice.
    rule = (mpdta["countyreal"] % 3 == 0).astype(float) + 1.0
    weighted = StaggeredDiD(mpdta.assign(w=rule), **SPEC, weights="w").fit(seed=1)
    twice = mpdta[rule == 2].assign(countyreal=lambda f: f["countyreal"] + 10**6)
    doubled = StaggeredDiD(pd.concat([mpdta, twice]), **SPEC).fit(seed=1)
    assert_allclose(weighted.simple.att, doubled.simple.att, atol=1e-12)
    for key, estimate in weighted.att_gt.items():
        assert_allclose(estimate.att, doubled.att_gt[key].att, atol=1e-12)
    assert_allclose(weighted.twfe.coef, doubled.twfe.coef, atol=1e-10)


def test_bad_weights_and_clusters_are_named(mpdta):
    bad = mpdta.copy()
    bad.loc[6, "weight"] = -1.0
    with pytest.raises(DataError, match=r"column 'weight', row 7 .*sampling weight -1"):
        StaggeredDiD(bad, **SPEC, weights="weight")
    varying = mpdta.copy()
    varying.loc[1, "weight"] = 9.0
    with pytest.raises(DataError, match=r"unit 8001, row 2 .*column 'weight': 9 differs from"):
        StaggeredDiD(varying, **SPEC, weights="weight")
    state = mpdta.assign(state=mpdta["countyreal"] // 1000)
    state.loc[3, "state"] = 99
    with pytest.raises(DataError, match=r"unit 8001, row 4 .*column 'state': 99 differs from 8"):
        StaggeredDiD(state, **SPEC, cluster="state")
    for name, value in (("method", "ols"), ("base_period", "fixed"), ("anticipation", -1)):
        with pytest.raises(AnalysisError, match=name):
            StaggeredDiD(mpdta, **SPEC, **{name: value})


def test_clustering_sums_influence_functions_within_clusters(mpdta):
    by_unit = StaggeredDiD(mpdta, **SPEC).fit(seed=1)
    # Each unit its own cluster: identical to the default.
    own = StaggeredDiD(mpdta.assign(c=mpdta["countyreal"]), **SPEC, cluster="c").fit(seed=1)
    assert_allclose(own.simple.std_error, by_unit.simple.std_error, atol=1e-14)
    # By state (the county code's thousands): the simple ATT's SE from cluster sums by hand.
    frame = mpdta.assign(state=mpdta["countyreal"] // 1000)
    model = StaggeredDiD(frame, **SPEC, cluster="state")
    clustered = model.fit(seed=1)
    assert clustered.meta["n_clusters"] == frame["state"].nunique()
    assert clustered.simple.att == by_unit.simple.att
    assert clustered.simple.std_error != pytest.approx(by_unit.simple.std_error, rel=1e-3)
    assert "clustered by countyreal and state" in clustered.meta["standard_errors"]
    assert clustered.twfe.n_clusters == frame["state"].nunique()


def test_universal_base_period_reference_cells_are_zero_without_se(mpdta):
    result = StaggeredDiD(mpdta, **SPEC, base_period="universal").fit(seed=1)
    assert result.att_gt[(2006, 2005)].att == 0.0
    assert np.isnan(result.att_gt[(2006, 2005)].std_error)
    assert result.event_time[-1].att == 0.0 and np.isnan(result.event_time[-1].std_error)
    assert result.base_periods[(2007, 2004)] == 2006


def test_pretest_is_the_wald_test_of_the_pre_treatment_cells(mpdta):
    result = StaggeredDiD(mpdta, **SPEC).fit(seed=1)
    test = result.pretest
    assert test is not None
    pre = [k for k in result.att_gt if k[1] < k[0]]
    assert set(test.cells) == set(pre) and test.df == len(pre) == 5
    # R did's att_gt on mpdta (no covariates, never treated) prints a pre-test p-value of 0.168.
    assert test.pvalue == pytest.approx(0.168, abs=0.0015)
    assert "Pre-test of parallel trends" in str(result.summary)
    assert result.to_dict()["pretest"]["df"] == 5


def test_pretest_rejects_a_diverging_pre_trend():
    frame = simulate_rollout(n_units=2000, seed=9)
    # Units of cohort 2019 drift upward before treatment: trends are not parallel.
    drift = (frame["first_treated"] == 2019) * 0.4 * (frame["year"] - 2013)
    result = StaggeredDiD(
        frame.assign(y=frame["y"] + drift),
        unit="unit", time="year", outcome="y", treated_from="first_treated",
    ).fit(seed=1)  # fmt: skip
    assert result.pretest is not None and result.pretest.pvalue < 1e-6


def test_multiplier_bootstrap_is_seeded_and_near_the_analytic_se(mpdta):
    analytic = StaggeredDiD(mpdta, **SPEC).fit(seed=1)
    a = StaggeredDiD(mpdta, **SPEC).fit(seed=4, bootstrap=999)
    b = StaggeredDiD(mpdta, **SPEC).fit(seed=4, bootstrap=999)
    c = StaggeredDiD(mpdta, **SPEC).fit(seed=5, bootstrap=999)
    assert a.simple.std_error == b.simple.std_error
    assert a.simple.std_error != c.simple.std_error
    for e, estimate in a.event_time.items():
        assert estimate.std_error == pytest.approx(analytic.event_time[e].std_error, rel=0.12)
        assert estimate.att == analytic.event_time[e].att
        assert estimate.band_high - estimate.band_low > estimate.ci_high - estimate.ci_low
    assert "multiplier bootstrap (999" in a.meta["standard_errors"]
    with pytest.raises(AnalysisError, match="bootstrap"):
        StaggeredDiD(mpdta, **SPEC).fit(bootstrap=10)


def test_clustered_bootstrap_agrees_with_clustered_analytic(mpdta):
    frame = mpdta.assign(state=mpdta["countyreal"] // 1000)
    analytic = StaggeredDiD(frame, **SPEC, cluster="state").fit(seed=1)
    boot = StaggeredDiD(frame, **SPEC, cluster="state").fit(seed=1, bootstrap=2000)
    assert boot.simple.std_error == pytest.approx(analytic.simple.std_error, rel=0.15)


def test_aggregations_are_tidy_frames(mpdta):
    result = StaggeredDiD(mpdta, **SPEC).fit(seed=1)
    events = result.event_time.to_frame()
    assert events.index.name == "event_time" and list(events.index) == [-3, -2, -1, 0, 1, 2, 3]
    assert list(events.columns) == [
        "att",
        "std_error",
        "ci_low",
        "ci_high",
        "band_low",
        "band_high",
    ]
    assert events.loc[0, "att"] == result.event_time[0].att
    groups = result.group.to_frame()
    assert groups.index.name == "group" and list(groups.index) == [2004, 2006, 2007]
    assert result.calendar.to_frame().index.name == "period"
    cells = result.att_gt_frame()
    assert cells.loc[(2006, 2007), "base_period"] == 2005
    assert cells.loc[(2006, 2007), "event_time"] == 1


def test_twfe_says_when_it_cannot_use_the_same_covariates(mpdta):
    result = StaggeredDiD(mpdta, **SPEC, covariates=["lpop"]).fit(seed=1)
    assert result.twfe.absorbed == ("lpop",)
    assert any("not conditioned on the same covariates" in n for n in result.notes)
    assert result.to_dict()["twfe"]["covariates_absorbed"] == ["lpop"]


def test_unbalanced_panel_uses_every_row_and_says_so(mpdta):
    frame = unbalanced(mpdta)
    result = StaggeredDiD(frame, **SPEC, layout="unbalanced").fit(seed=1)
    assert result.n_units == 500
    assert result.meta["n_obs"] == len(frame) == 2387
    assert result.meta["layout"] == "unbalanced"
    assert "2387 rows" in result.short_summary()
    holes = frame.astype({"lemp": float})
    holes.loc[holes.index[3], "lemp"] = np.nan
    result = StaggeredDiD(holes, **SPEC, layout="unbalanced").fit(seed=1)
    assert result.meta["n_obs"] == 2386
    assert any("1 row(s) with a missing outcome" in n for n in result.notes)


def test_a_balanced_panel_gives_the_same_att_either_way(mpdta):
    balanced = StaggeredDiD(mpdta, **SPEC, covariates=["lpop"], method="reg").fit(seed=1)
    rows = StaggeredDiD(mpdta, **SPEC, covariates=["lpop"], method="reg", layout="unbalanced").fit(
        seed=1
    )
    # The estimates agree; the repeated cross-section estimator's SE does not use the pairing.
    assert_allclose(rows.simple.att, balanced.simple.att, atol=1e-12)


def test_twfe_on_rows_matches_pyfixest(mpdta):
    import warnings

    import pyfixest

    frame = unbalanced(mpdta)
    result = StaggeredDiD(frame, **SPEC, layout="unbalanced").fit(seed=1)
    g = frame["first.treat"]
    data = frame.assign(treated_now=((g > 0) & (frame["year"] >= g)).astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pyfixest.feols(
            "lemp ~ treated_now | countyreal + year", data=data, vcov={"CRV1": "countyreal"}
        )
    assert_allclose(result.twfe.coef, float(model.coef()["treated_now"]), atol=1e-9)
    assert_allclose(result.twfe.std_error, float(model.se()["treated_now"]), atol=1e-9)


def test_rows_used_and_left_out_add_up(mpdta):
    frame = mpdta.astype({"lemp": float})
    frame.loc[3, "lemp"] = np.nan  # a row of unit 8001
    frame.loc[frame["countyreal"] == 8001, "first.treat"] = 2003  # and 8001 is always treated
    result = StaggeredDiD(frame, **SPEC, layout="unbalanced").fit(seed=1)
    text = result.short_summary()
    assert "(2495 rows, unbalanced)" in text
    assert "dropped 1 row(s) with a missing outcome or covariate" in text
    assert "dropped 1 unit(s) (4 rows) already treated in the first period" in text
    assert [d["rows"] for d in result.to_dict()["dropped"]] == [1, 4]
