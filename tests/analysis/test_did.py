"""Staggered DiD against R did's reference numbers, the peers it agrees with, and a known truth."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from countyhub.analysis.did import StaggeredDiD
from countyhub.analysis.did.simulate import simulate_rollout
from countyhub.analysis.errors import AnalysisError, DataError

MPDTA = Path(__file__).resolve().parent / "reference" / "mpdta.csv"
SPEC = {"unit": "countyreal", "time": "year", "outcome": "lemp", "treated_from": "first.treat"}
SIM = {"unit": "unit", "time": "year", "outcome": "y", "treated_from": "first_treated"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(MPDTA)


@pytest.fixture(scope="module")
def rollout() -> pd.DataFrame:
    return simulate_rollout(n_units=3000, seed=1)


def fit(frame: pd.DataFrame, spec: dict[str, str] = SPEC, **options):
    fit_options = {k: options.pop(k) for k in ("alpha", "seed") if k in options}
    return StaggeredDiD(frame, **spec, **options).fit(**fit_options)


# --- R did reference (mpdta, never-treated controls, no covariates) ---------------------------


def test_mpdta_matches_r_did_reference(mpdta):
    result = fit(mpdta)
    assert_allclose(result.simple.att, -0.0399513, atol=1e-6)
    assert_allclose(result.simple.std_error, 0.0120340, atol=1e-6)
    assert_allclose(result.overall_group.att, -0.031018, atol=1e-6)
    assert_allclose(result.overall_event_time.att, -0.077240, atol=1e-6)
    assert_allclose(result.overall_calendar.att, -0.041700, atol=1e-6)
    assert (result.n_units, result.n_periods) == (500, 5)


def test_mpdta_with_covariate_matches_r_did_group_time_table(mpdta):
    # did's vignette, att_gt(..., xformla = ~lpop): the four cells of the 2004 cohort.
    result = fit(mpdta, covariates=["lpop"])
    atts = [result.att_gt[(2004, t)].att for t in (2004, 2005, 2006, 2007)]
    assert_allclose(atts, [-0.0145, -0.0764, -0.1404, -0.1069], atol=5e-5)


# --- the peer: differences 0.3.0 reproduces did; we must agree with it everywhere ----------------


def differences_results(mpdta: pd.DataFrame, control: str, formula: str):
    from differences import ATTgt

    data = mpdta.set_index(["countyreal", "year"]).copy()
    data["first.treat"] = data["first.treat"].replace(0, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # differences 0.3.0 uses pandas' deprecated inplace=True
        peer = ATTgt(data=data, cohort_column="first.treat")
        peer.fit(formula=formula, est_method="dr", control_group=control, progress_bar=False)
        out = {"att_gt": peer.results()}
        for kind in ("cohort", "event", "time"):
            out[kind] = peer.aggregate(kind)
            out[f"overall_{kind}"] = peer.aggregate(kind, overall=True)
        out["simple"] = peer.aggregate("simple")
    return out


def estimates(values) -> np.ndarray:
    return np.array([[e.att, e.std_error] for e in values])


@pytest.mark.parametrize(
    ("control", "peer_control"), [("never", "never_treated"), ("notyet", "not_yet_treated")]
)
@pytest.mark.parametrize("covariates", [(), ("lpop",)])
def test_agrees_with_differences(mpdta, control, peer_control, covariates):
    formula = "lemp ~ " + " + ".join(covariates) if covariates else "lemp"
    peer = differences_results(mpdta, peer_control, formula)
    ours = fit(mpdta, control=control, covariates=covariates)
    tolerance = 1e-6  # the covariate path's logits converge to ~1e-9 of each other

    def table(name: str) -> np.ndarray:
        return peer[name].iloc[:, :2].to_numpy()

    assert_allclose(estimates(ours.att_gt.values()), table("att_gt"), atol=tolerance)
    assert_allclose(estimates(ours.group.values()), table("cohort"), atol=tolerance)
    assert_allclose(estimates(ours.event_time.values()), table("event"), atol=tolerance)
    assert_allclose(estimates(ours.calendar.values()), table("time"), atol=tolerance)
    assert_allclose(estimates([ours.simple]), table("simple"), atol=tolerance)
    assert_allclose(estimates([ours.overall_group]), table("overall_cohort"), atol=tolerance)
    assert_allclose(estimates([ours.overall_event_time]), table("overall_event"), atol=tolerance)
    assert_allclose(estimates([ours.overall_calendar]), table("overall_time"), atol=tolerance)


def test_not_yet_treated_cell_by_hand(mpdta):
    # ATT(2006, 2007) with base 2005: comparison = never treated and first treated after 2007.
    result = fit(mpdta, control="notyet")
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    cohort = mpdta.groupby("countyreal")["first.treat"].first()
    change = wide[2007] - wide[2005]
    control = (cohort == 0) | (cohort > 2007)
    expected = change[cohort == 2006].mean() - change[control].mean()
    assert_allclose(result.att_gt[(2006, 2007)].att, expected, atol=1e-12)
    # ATT(2004, 2005), base 2003: the 2006 and 2007 cohorts are not yet treated and compare too.
    change = wide[2005] - wide[2003]
    control = (cohort == 0) | (cohort > 2005)
    expected = change[cohort == 2004].mean() - change[control].mean()
    assert_allclose(result.att_gt[(2004, 2005)].att, expected, atol=1e-12)
    assert result.base_periods[(2004, 2005)] == 2003


# --- naive TWFE against pyfixest ------------------------------------------------------------


def pyfixest_twfe(
    frame: pd.DataFrame, spec: dict[str, str], extra: str = ""
) -> tuple[float, float]:
    import pyfixest

    frame = frame.copy()
    g = frame[spec["treated_from"]]
    frame["treated_now"] = ((g > 0) & (frame[spec["time"]] >= g)).astype(float)
    frame = frame.rename(columns={spec["outcome"]: "outcome"})
    formula = f"outcome ~ treated_now{extra} | {spec['unit']} + {spec['time']}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pyfixest.feols(formula, data=frame, vcov={"CRV1": spec["unit"]})
    return float(model.coef()["treated_now"]), float(model.se()["treated_now"])


def test_twfe_matches_pyfixest_on_mpdta(mpdta):
    result = fit(mpdta)
    assert_allclose(
        [result.twfe.coef, result.twfe.std_error], pyfixest_twfe(mpdta, SPEC), atol=1e-10
    )


def test_twfe_with_time_varying_covariate_matches_pyfixest():
    frame = simulate_rollout(n_units=400, seed=3)
    frame["x"] = frame["x"] + np.random.default_rng(3).normal(size=len(frame))
    result = fit(frame, SIM, covariates=["x"])
    expected = pyfixest_twfe(frame, SIM, extra=" + x")
    assert_allclose([result.twfe.coef, result.twfe.std_error], expected, atol=1e-10)


# --- a known, dynamic, heterogeneous effect -------------------------------------------------


def true_cells(frame: pd.DataFrame) -> pd.Series:
    post = frame[(frame["first_treated"] > 0) & (frame["year"] >= frame["first_treated"])]
    return post.groupby(["first_treated", "year"])["true_effect"].mean()


def test_recovers_known_effect_where_twfe_is_biased(rollout):
    result = fit(rollout, SIM)
    cells = true_cells(rollout)
    sizes = rollout.groupby("first_treated")["unit"].nunique()
    weight = sizes.loc[cells.index.get_level_values(0)].to_numpy()
    truth = float(cells.to_numpy() @ weight / weight.sum())

    assert result.simple.ci_low <= truth <= result.simple.ci_high
    # The naive estimate misses the truth by many of its own standard errors.
    assert abs(result.twfe.coef - truth) > 8 * result.twfe.std_error
    assert not result.twfe.ci_low <= truth <= result.twfe.ci_high
    assert result.staggered
    assert any("staggered" in w for w in result.warnings)

    for (g, t), estimate in result.att_gt.items():
        expected = cells.get((g, t), 0.0)  # pre-treatment cells are placebos: truth 0
        assert estimate.band_low <= expected <= estimate.band_high, (g, t)


def test_event_study_covers_truth_before_and_after(rollout):
    result = fit(rollout, SIM)
    treated = rollout[rollout["first_treated"] > 0]
    since = treated["year"] - treated["first_treated"]
    # Cohort-size weights: each cohort's rows at event time e count once per unit.
    truth = treated.groupby(since)["true_effect"].mean()
    assert min(result.event_time) < 0 < max(result.event_time)
    for e, estimate in result.event_time.items():
        assert estimate.band_low <= truth[e] <= estimate.band_high, e
        assert estimate.band_high - estimate.band_low >= estimate.ci_high - estimate.ci_low


def test_covariates_restore_conditional_parallel_trends():
    frame = simulate_rollout(n_units=3000, seed=2, covariate_trend=0.3)
    cells = true_cells(frame)
    plain = fit(frame, SIM)
    adjusted = fit(frame, SIM, covariates=["x"])
    for key, truth in cells.items():
        cell = adjusted.att_gt[key]
        assert cell.band_low <= truth <= cell.band_high, key
    worst = max(abs(plain.att_gt[k].att - v) / plain.att_gt[k].std_error for k, v in cells.items())
    assert worst > 5  # without x the trends differ and the plain estimate is off


def test_unit_levels_do_not_move_the_estimates(rollout):
    shifted = rollout.copy()
    shifted["y"] += shifted["unit"] % 7 * 10.0
    a, b = fit(rollout, SIM), fit(shifted, SIM)
    assert_allclose(estimates(a.att_gt.values()), estimates(b.att_gt.values()), atol=1e-9)
    assert_allclose(a.twfe.coef, b.twfe.coef, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_units=st.integers(40, 120),
    control=st.sampled_from(["never", "notyet"]),
)
def test_unit_and_period_levels_never_move_any_estimate(seed, n_units, control):
    frame = simulate_rollout(n_units=n_units, seed=seed, never_share=0.4)
    rng = np.random.default_rng(seed)
    shifted = frame.copy()
    shifted["y"] += rng.normal(size=n_units + 1)[frame["unit"]] * 5
    shifted["y"] += frame["year"].map(dict(zip(range(2013, 2021), rng.normal(size=8), strict=True)))
    a, b = fit(frame, SIM, control=control), fit(shifted, SIM, control=control)
    assert_allclose(estimates(a.att_gt.values()), estimates(b.att_gt.values()), atol=1e-9)
    assert_allclose(estimates(a.event_time.values()), estimates(b.event_time.values()), atol=1e-9)
    # The simple ATT is the cohort-size weighted mean of the post-treatment cells.
    post = {k: v for k, v in a.att_gt.items() if k[1] >= k[0]}
    sizes = np.array([a.cohort_sizes[g] for g, _ in post])
    expected = sizes @ np.array([v.att for v in post.values()]) / sizes.sum()
    assert_allclose(a.simple.att, expected, atol=1e-12)


def test_periods_with_gaps_and_cohorts_between_them():
    frame = simulate_rollout(
        n_units=800, periods=(2013, 2015, 2017, 2019), cohorts=(2015, 2016, 2019), seed=4
    )
    result = fit(frame, SIM)
    # Cohort 2016 is first seen treated in 2017; its base is the last period before 2016.
    assert result.base_periods[(2016, 2017)] == 2015
    assert result.base_periods[(2016, 2015)] == 2013
    assert set(result.event_time) == {-4, -2, -1, 0, 1, 2, 3, 4}
    truth = true_cells(frame)
    for key, value in truth.items():
        cell = result.att_gt[key]
        assert cell.band_low <= value <= cell.band_high, key


def test_treatment_start_must_not_change_within_a_unit(mpdta):
    repeated = mpdta.copy()
    # Cohort 2004 is "treated again" from 2006: the column now says 2006 on those later rows.
    again = (repeated["first.treat"] == 2004) & (repeated["year"] >= 2006)
    repeated.loc[again, "first.treat"] = 2006
    with pytest.raises(
        DataError,
        match=r"unit 17005, row 369 .*column 'first.treat': 2006 differs from 2004 on row 366",
    ):
        fit(repeated)


def test_empty_and_zero_both_mean_never_treated(mpdta):
    blank = mpdta.astype({"first.treat": float})
    never = blank.index[blank["first.treat"] == 0]
    blank.loc[never[::2], "first.treat"] = np.nan  # a unit may mix 0 and empty
    a, b = fit(mpdta), fit(blank)
    assert a.cohort_sizes == b.cohort_sizes
    assert_allclose(b.simple.att, a.simple.att, atol=1e-12)


def test_band_is_reproducible_and_wider_than_pointwise(mpdta):
    a, b = fit(mpdta, seed=7), fit(mpdta, seed=7)
    assert a.event_time[2].band_low == b.event_time[2].band_low
    widths = [(e.band_high - e.ci_high) for e in a.event_time.values()]
    assert min(widths) > 0


# --- bad panels -------------------------------------------------------------------------------


def test_unbalanced_panel_is_rejected_naming_a_unit_and_period(mpdta):
    holes = mpdta.drop(index=[7, 12])  # units 8019 and 8023 in 2005
    assert holes["countyreal"].value_counts().min() == 4
    with pytest.raises(DataError, match=r"unbalanced.*2 of 500 units.*unit 8019 in period 2005"):
        fit(holes)


def test_unbalanced_panel_can_drop_incomplete_units(mpdta):
    holes = mpdta.drop(index=[7, 12])
    result = fit(holes, drop_incomplete=True)
    balanced = mpdta[~mpdta["countyreal"].isin([8019, 8023])]
    expected = fit(balanced)
    assert result.n_units == 498
    assert_allclose(result.simple.att, expected.simple.att, atol=1e-12)
    assert any("dropped 2 unit(s)" in note for note in result.notes)


def test_treated_unit_missing_its_post_rows_never_becomes_a_control(mpdta):
    # differences 0.3.0 recodes such a unit as never treated ("entity-events ignored ... as if
    # never treated") and so compares the treated with a treated unit; it must leave instead.
    unit = mpdta.loc[(mpdta["first.treat"] == 2007), "countyreal"].iloc[0]
    holes = mpdta[~((mpdta["countyreal"] == unit) & (mpdta["year"] == 2007))]
    result = fit(holes, drop_incomplete=True)
    assert result.cohort_sizes == {0: 309, 2004: 20, 2006: 40, 2007: 130}


def test_units_treated_after_the_panel_count_as_never_treated(mpdta):
    later = mpdta.copy()
    later.loc[later["first.treat"] == 2007, "first.treat"] = 2009
    later["countyreal"] = "c" + later["countyreal"].astype(str)  # unit ids may be text
    result = fit(later)
    assert result.cohort_sizes == {0: 440, 2004: 20, 2006: 40}
    assert any("131 unit(s) first treated after the last period (2007)" in n for n in result.notes)
    recoded = mpdta.assign(**{"first.treat": later["first.treat"].where(lambda g: g < 2008, 0)})
    assert_allclose(result.simple.att, fit(recoded).simple.att, atol=1e-12)


def test_missing_outcome_counts_as_a_hole(mpdta):
    holes = mpdta.copy()
    holes.loc[3, "lemp"] = np.nan
    with pytest.raises(DataError, match="unbalanced"):
        fit(holes)


def test_duplicate_unit_period_rows_are_rejected(mpdta):
    doubled = pd.concat([mpdta, mpdta.iloc[[4]]], ignore_index=True)
    with pytest.raises(DataError, match=r"row 2501 .*repeats countyreal=8001, year=2007"):
        fit(doubled)


def test_always_treated_units_are_dropped_with_a_note(mpdta):
    early = mpdta.copy()
    early.loc[early["countyreal"] == 8001, "first.treat"] = 2003
    result = fit(early)
    assert result.n_units == 499
    assert any("already treated in the first period (2003)" in n for n in result.notes)


def test_no_never_treated_needs_not_yet_control(mpdta):
    treated = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(AnalysisError, match=r"no unit is never treated.*notyet"):
        fit(treated)
    result = fit(treated, control="notyet")
    # The last cohort (2007) is never compared after treatment: nobody is left untreated.
    assert 2007 not in result.group
    assert any("cohort 2007 has no comparison group" in w for w in result.warnings)
    assert any("(2006, 2007)" in w for w in result.warnings)


def test_too_few_units(mpdta):
    few = mpdta[mpdta["countyreal"].isin([8001, 8019])]
    with pytest.raises(DataError, match="only 2 units"):
        fit(few)


def test_nobody_treated(mpdta):
    with pytest.raises(DataError, match="no unit is treated"):
        fit(mpdta.assign(**{"first.treat": 0}))


def test_missing_column_and_bad_values_are_named(mpdta):
    with pytest.raises(DataError, match="no column named 'lemp2'"):
        StaggeredDiD(mpdta, **{**SPEC, "outcome": "lemp2"})
    text = mpdta.astype({"lemp": object})
    text.loc[5, "lemp"] = "n/a"
    with pytest.raises(DataError, match=r"column 'lemp', row 6 .*'n/a' is not a number"):
        fit(text)
    fractional = mpdta.astype({"year": float})
    fractional.loc[0, "year"] = 2003.5
    with pytest.raises(DataError, match="not a whole period"):
        fit(fractional)
    with pytest.raises(AnalysisError, match="control must be"):
        fit(mpdta, control="later")


def test_separating_covariate_is_named_with_its_cell(mpdta):
    separated = mpdta.assign(marker=(mpdta["first.treat"] == 2004).astype(float))
    with pytest.raises(AnalysisError, match=r"cohort 2004, period 2004: .*separate"):
        fit(separated, covariates=["marker"])


def test_collinear_covariates_are_named(mpdta):
    doubled = mpdta.assign(lpop2=2 * mpdta["lpop"])
    with pytest.raises(AnalysisError, match=r"cohort 2004, period 2004: .*collinear"):
        fit(doubled, covariates=["lpop", "lpop2"])


def test_small_cohort_warns(mpdta):
    small = mpdta[(mpdta["first.treat"] != 2004) | mpdta["countyreal"].isin([17005, 17015])]
    result = fit(small)
    assert any("fewer than 5 units: 2004 (2)" in w for w in result.warnings)


# --- outputs ----------------------------------------------------------------------------------


def test_to_dict_has_the_documented_shape(mpdta):
    out = json.loads(json.dumps(fit(mpdta).to_dict()))
    assert (out["n_units"], out["n_periods"], out["control"]) == (500, 5, "never")
    assert set(out["simple"]) >= {"att", "std_error", "ci_low", "ci_high"}
    assert set(out["event_time"]) == {"-3", "-2", "-1", "0", "1", "2", "3"}
    assert set(out["group"]) == {"2004", "2006", "2007"}
    assert out["att_gt"]["2006,2007"]["att"] == pytest.approx(-0.041224, abs=1e-6)
    assert set(out["twfe"]) >= {"coef", "std_error", "ci_low", "ci_high"}
    assert out["staggered"] is True


def test_report_has_plot_tables_warning_and_words(mpdta):
    result = fit(mpdta)
    page = result.to_html()
    assert page.count("<svg") == 1
    assert "simultaneous band" in page
    assert 'class="warning"' in page
    assert "staggered" in page
    assert "By calendar period" in page
    assert "By group" in page
    assert "naive TWFE" in page
    assert "500 units" in page
    assert "309 never treated" in page
    assert "Callaway" in str(result.summary)


# --- command line -----------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", "analyze", "did", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_command_writes_json_and_report(tmp_path):
    frame = simulate_rollout(n_units=600, seed=5)
    data = tmp_path / "villages.csv"
    frame.to_csv(data, index=False)
    out, report = tmp_path / "did.json", tmp_path / "did.html"
    result = run_cli(
        str(data),
        *("--unit", "unit", "--time", "year", "--outcome", "y"),
        *("--treated-from", "first_treated", "--control", "notyet"),
        *("--covariates", "x", "--json", str(out), "--report", str(report)),
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(out.read_text())
    direct = fit(frame, SIM, control="notyet", covariates=["x"])
    assert payload["simple"]["att"] == pytest.approx(direct.simple.att, abs=1e-12)
    assert payload["control"] == "notyet"
    assert payload["covariates"] == ["x"]
    assert "<svg" in report.read_text()
    assert "ATT (simple)" in result.stdout and str(report) in result.stdout
    assert "warning: Treatment timing is staggered" in result.stderr


def test_engine_imports_neither_django_nor_matplotlib():
    code = (
        "import sys, countyhub.analysis.did;"
        "print(','.join(m for m in ('django', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_command_rejects_bad_input_on_stderr(tmp_path, mpdta):
    data = tmp_path / "holes.csv"
    mpdta.drop(index=[7]).to_csv(data, index=False)
    result = run_cli(
        str(data),
        *("--unit", "countyreal", "--time", "year", "--outcome", "lemp"),
        *("--treated-from", "first.treat"),
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "unbalanced" in result.stderr
    assert "unit 8019" in result.stderr
    assert result.stdout == ""
    result = run_cli(
        str(data),
        *("--unit", "countyreal", "--time", "year", "--outcome", "lemp"),
        *("--treated-from", "first.treat", "--control", "sometimes"),
    )
    assert result.returncode == 2
    assert "--control" in result.stderr
