import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from countyhub.analysis.deflate import CPITable, national_rural_cpi
from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.paired import BeforeAfter
from countyhub.analysis.poverty import PovertyLineUnavailableError

ISSUE_MEASURE_KEYS = {
    "n",
    "mean_before",
    "mean_after",
    "mean_diff",
    "statistic",
    "df",
    "pvalue",
    "ci_low",
    "ci_high",
    "wilcoxon_pvalue",
    "dz",
    "deflated",
}
ISSUE_POVERTY_KEYS = {"measure", "line_before", "line_after", "share_before", "share_after"}


def survey(seed: int = 7, n: int = 62) -> pd.DataFrame:
    """A village survey: per-capita income (yuan), spending, a 1-5 skills score; 2020 and 2022."""
    rng = np.random.default_rng(seed)
    income_2020 = rng.lognormal(8.3, 0.6, n).round()
    return pd.DataFrame(
        {
            "household": [f"H{i:03d}" for i in range(n)],
            "income_2020": income_2020,
            "income_2022": (income_2020 * rng.lognormal(0.12, 0.25, n)).round(),
            "spending_2020": rng.normal(5000, 800, n).round(),
            "spending_2022": rng.normal(5300, 800, n).round(),
            "skills_2020": rng.integers(1, 6, n).astype(float),
            "skills_2022": rng.integers(2, 6, n).astype(float),
        }
    )


PAIRS = {
    "income": ("income_2020", "income_2022"),
    "spending": ("spending_2020", "spending_2022"),
    "skills": ("skills_2020", "skills_2022"),
}


def fit_simple(before, after, **options):
    frame = pd.DataFrame({"id": range(len(before)), "b": before, "a": after})
    return BeforeAfter(frame, id="id", pairs={"x": ("b", "a")}, **options).fit()


def test_hand_computed_three_pairs():
    # Differences 1, 2, 6: mean 3, SD sqrt(7), t = 3 / sqrt(7/3), df = 2. With 2 degrees of
    # freedom the t CDF is 1/2 + t / (2 sqrt(2 + t^2)), so p = 1 - t / sqrt(2 + t^2) and the
    # 97.5% quantile is 0.95 sqrt(2 / (1 - 0.95^2)) = 4.3027 (the printed t table value).
    result = fit_simple([10.0, 20.0, 30.0], [11.0, 22.0, 36.0]).measures["x"]
    t = 3 / math.sqrt(7 / 3)
    quantile = 0.95 * math.sqrt(2 / (1 - 0.95**2))
    assert result.n == 3
    assert result.df == 2
    assert result.mean_before == pytest.approx(20.0)
    assert result.mean_after == pytest.approx(23.0)
    assert result.mean_diff == pytest.approx(3.0)
    assert result.sd_diff == pytest.approx(math.sqrt(7))
    assert result.statistic == pytest.approx(t)
    assert result.pvalue == pytest.approx(1 - t / math.sqrt(2 + t**2))
    assert quantile == pytest.approx(4.3027, abs=1e-4)
    margin = quantile * math.sqrt(7 / 3)
    assert result.ci_low == pytest.approx(3 - margin)
    assert result.ci_high == pytest.approx(3 + margin)
    assert result.dz == pytest.approx(3 / math.sqrt(7))
    # Signed ranks 1, 2, 3 all positive: exact two-sided p = 2 x P(W- = 0) = 2 / 2^3.
    assert result.wilcoxon_method == "exact"
    assert result.wilcoxon_statistic == 0.0
    assert result.wilcoxon_pvalue == pytest.approx(0.25)


def test_agrees_with_scipy_paired_t_test_and_wilcoxon():
    frame = survey()
    result = BeforeAfter(frame, id="household", pairs=PAIRS).fit(confidence=0.9)
    for name, (before, after) in PAIRS.items():
        r = result.measures[name]
        reference = stats.ttest_rel(frame[after], frame[before])
        interval = reference.confidence_interval(confidence_level=0.9)
        assert_allclose(
            [r.statistic, r.pvalue, r.df, r.ci_low, r.ci_high],
            [reference.statistic, reference.pvalue, reference.df, interval.low, interval.high],
            rtol=1e-10,
        )
        # scipy's own automatic choice of the Wilcoxon variant gives the same p value.
        auto = stats.wilcoxon(frame[after] - frame[before], zero_method="wilcox")
        assert r.wilcoxon_pvalue == pytest.approx(auto.pvalue, rel=1e-10)


def test_wilcoxon_with_ties_and_zeros_uses_the_normal_approximation():
    before = np.arange(30.0)
    after = before + np.array([0, 0, 1, 1, 2, -1] * 5)
    r = fit_simple(before, after).measures["x"]
    assert r.n_zero_differences == 10
    assert r.wilcoxon_method == "normal approximation, tie-corrected"
    nonzero = (after - before)[after != before]
    reference = stats.wilcoxon(nonzero, method="asymptotic", correction=False)
    assert r.wilcoxon_pvalue == pytest.approx(reference.pvalue, rel=1e-12)


def test_dz_is_mean_difference_over_sd_of_differences_not_an_average_sd_d():
    frame = survey()
    r = BeforeAfter(frame, id="household", pairs=PAIRS).fit().measures["spending"]
    diff = frame["spending_2022"] - frame["spending_2020"]
    assert r.dz == pytest.approx(diff.mean() / diff.std(ddof=1))
    average_sd_d = diff.mean() / math.sqrt(
        (frame["spending_2020"].var() + frame["spending_2022"].var()) / 2
    )
    assert r.dz != pytest.approx(average_sd_d)
    assert r.dz == pytest.approx(r.statistic / math.sqrt(r.n))


def test_missing_values_are_dropped_pairwise_and_counted():
    frame = survey()
    frame.loc[[0, 5], "income_2022"] = np.nan
    frame.loc[9, "income_2020"] = np.nan
    frame.loc[3, "skills_2020"] = np.nan
    result = BeforeAfter(frame, id="household", pairs=PAIRS).fit()
    assert (result.measures["income"].n, result.measures["income"].n_dropped) == (59, 3)
    assert (result.measures["skills"].n, result.measures["skills"].n_dropped) == (61, 1)
    assert (result.measures["spending"].n, result.measures["spending"].n_dropped) == (62, 0)
    complete = frame.dropna(subset=["income_2020", "income_2022"])
    reference = stats.ttest_rel(complete["income_2022"], complete["income_2020"])
    assert result.measures["income"].statistic == pytest.approx(reference.statistic)


def test_money_is_deflated_to_the_base_year_with_the_shipped_cpi():
    frame = survey()
    result = BeforeAfter(
        frame,
        id="household",
        pairs=PAIRS,
        money=["income", "spending"],
        year_before=2020,
        year_after=2022,
        base_year=2020,
    ).fit()
    income = result.measures["income"]
    to_2020 = 1 / (1.007 * 1.020)  # rural CPI 2021 and 2022, previous year = 100
    assert income.deflated
    assert income.prices == "2020 prices"
    assert income.mean_before == pytest.approx(frame["income_2020"].mean())
    assert income.mean_after == pytest.approx(frame["income_2022"].mean() * to_2020)
    reference = stats.ttest_rel(frame["income_2022"] * to_2020, frame["income_2020"])
    assert income.statistic == pytest.approx(reference.statistic)
    assert not result.measures["skills"].deflated
    assert result.measures["skills"].prices == "as recorded"
    assert result.cpi is not None
    assert result.cpi.statuses == {2021: "sourced", 2022: "sourced"}
    assert result.cpi.factors[2022] == pytest.approx(to_2020)


def test_base_year_can_be_the_later_year_and_any_cpi_base_gives_the_same_answer():
    frame = survey()
    answers = []
    for base_level in (100.0, 57.3):
        cpi = CPITable(
            name="province", levels={2020: base_level, 2022: base_level * 1.05}, status={}
        )
        result = BeforeAfter(
            frame,
            id="household",
            pairs=PAIRS,
            money=["income"],
            cpi=cpi,
            year_before=2020,
            year_after=2022,
            base_year=2022,
        ).fit()
        answers.append(result.measures["income"])
        assert result.measures["income"].mean_before == pytest.approx(
            frame["income_2020"].mean() * 1.05
        )
    assert answers[0].statistic == pytest.approx(answers[1].statistic)
    assert answers[0].mean_diff == pytest.approx(answers[1].mean_diff)


def test_poverty_shares_with_the_official_line_in_base_year_prices():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5],
            "inc_2019": [2000.0, 3000.0, 3300.0, 5000.0, 3400.0],
            "inc_2020": [3000.0, 3900.0, 4500.0, 6000.0, 3999.0],
        }
    )
    result = BeforeAfter(
        frame,
        id="id",
        pairs={"income": ("inc_2019", "inc_2020")},
        money=["income"],
        year_before=2019,
        year_after=2020,
        base_year=2020,
        poverty="income",
    ).fit()
    poverty = result.poverty
    assert poverty is not None
    # 2019's official 3,218 yuan is carried to 2020 prices with the rural CPI 2020 (103.0), and
    # so are 2019 incomes: 2,000 and 3,000 (2,060 and 3,090) are under 3,314.54, 3,300 (3,399)
    # is not. In 2020: 3,000, 3,900 and 3,999 are under 4,000.
    assert poverty.line_before == pytest.approx(3218 * 1.03)
    assert poverty.line_after == pytest.approx(4000)
    assert poverty.line_before_current == 3218
    assert (poverty.line_before_status, poverty.line_after_status) == ("secondary", "approximate")
    assert (poverty.count_before, poverty.count_after) == (2, 3)
    assert (poverty.share_before, poverty.share_after) == (pytest.approx(0.4), pytest.approx(0.6))
    assert poverty.method == "official"
    # Line and incomes move with the same CPI factor, so deflating never changes who is poor.
    current = BeforeAfter(
        frame,
        id="id",
        pairs={"income": ("inc_2019", "inc_2020")},
        year_before=2019,
        year_after=2020,
        poverty="income",
    ).fit()
    assert current.poverty is not None
    assert (current.poverty.share_before, current.poverty.share_after) == (0.4, 0.6)
    out = result.to_dict()["poverty"]
    assert out.keys() >= ISSUE_POVERTY_KEYS
    assert out["line_before_status"] == "secondary"


def test_poverty_shares_in_current_prices_when_the_measure_is_not_deflated():
    frame = pd.DataFrame(
        {"id": [1, 2, 3, 4], "b": [3000.0, 3217.0, 3218.0, 5000.0], "a": [3999.0, 4000, 1, 9e3]}
    )
    result = BeforeAfter(
        frame,
        id="id",
        pairs={"income": ("b", "a")},
        year_before=2019,
        year_after=2020,
        poverty="income",
    ).fit()
    assert result.poverty is not None
    assert (result.poverty.line_before, result.poverty.line_after) == (3218, 4000)
    assert (result.poverty.count_before, result.poverty.count_after) == (2, 2)
    assert result.poverty.prices == "current prices of each year"
    assert result.cpi is None
    assert result.base_year is None


def test_the_papers_2020_to_2022_comparison_refuses_an_invented_official_line():
    with pytest.raises(PovertyLineUnavailableError, match=r"no value for 2022.*2010-2020"):
        BeforeAfter(
            survey(),
            id="household",
            pairs=PAIRS,
            money=["income"],
            year_before=2020,
            year_after=2022,
            base_year=2020,
            poverty="income",
        )


def test_the_cpi_indexed_alternative_is_labelled_not_official_everywhere():
    frame = survey()
    result = BeforeAfter(
        frame,
        id="household",
        pairs=PAIRS,
        money=["income"],
        year_before=2020,
        year_after=2022,
        base_year=2020,
        poverty="income",
        poverty_line="cpi_indexed",
    ).fit()
    cpi = national_rural_cpi()
    line_2020 = 2300 * cpi.level(2020) / cpi.level(2010)
    poverty = result.poverty
    assert poverty is not None
    # In 2020 prices the CPI-indexed line is the same real line in both years.
    assert poverty.line_before == pytest.approx(line_2020)
    assert poverty.line_after == pytest.approx(line_2020)
    assert poverty.line_after_current == pytest.approx(2300 * cpi.level(2022) / cpi.level(2010))
    income_2020 = frame["income_2020"].to_numpy()
    assert poverty.share_before == pytest.approx((income_2020 < line_2020).mean())
    assert "not official" in poverty.line_before_status
    assert "NOT the official line" in result.summary.as_text()
    assert result.to_dict()["poverty"]["line_method"] == "cpi_indexed"
    assert "not official" in result.to_html()
    # The CPI values behind the line (2011-2020) include unverified years, and say so.
    assert result.cpi is not None
    assert result.cpi.statuses[2011] == "unverified"
    assert result.cpi.status == "unverified"
    assert result.measures["income"].cpi_status == "sourced"  # 2021 and 2022 only


def test_to_dict_has_the_issue_shape_and_is_strict_json():
    frame = survey()
    result = BeforeAfter(
        frame,
        id="household",
        pairs=PAIRS,
        money=["income"],
        year_before=2020,
        year_after=2022,
        base_year=2020,
    ).fit()
    out = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert out["base_year"] == 2020
    assert set(out["measures"]) == set(PAIRS)
    for record in out["measures"].values():
        assert record.keys() >= ISSUE_MEASURE_KEYS
        assert record["effect_size"] == "dz"
        assert "= 0" in record["null_hypothesis"]
    assert out["measures"]["income"]["deflated"] is True
    assert out["measures"]["income"]["cpi_status"] == "sourced"
    assert out["measures"]["skills"]["deflated"] is False
    assert out["measures"]["skills"]["cpi_status"] is None
    assert out["poverty"] is None
    assert out["cpi"]["status_by_year"] == {"2021": "sourced", "2022": "sourced"}
    assert "dz" in out["methods"]["effect_size"]


def test_constant_differences_leave_t_and_dz_undefined_with_a_warning():
    result = fit_simple([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    r = result.measures["x"]
    assert math.isnan(r.statistic)
    assert math.isnan(r.dz)
    assert r.wilcoxon_method == "normal approximation, tie-corrected"
    assert any("every difference is 1" in w for w in result.warnings)
    record = json.loads(json.dumps(result.to_dict(), allow_nan=False))["measures"]["x"]
    assert record["statistic"] is None
    assert record["dz"] is None


def test_differences_equal_up_to_rounding_count_as_constant():
    before = np.array([1.0, 2.0, 3.0, 1e4])
    r = fit_simple(before, before + 0.1).measures["x"]  # 1.1 - 1.0 != 2.1 - 2.0 in binary
    assert np.ptp((before + 0.1) - before) > 0
    assert r.sd_diff == 0.0
    assert math.isnan(r.statistic)


def test_no_change_at_all_skips_wilcoxon():
    r = fit_simple([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]).measures["x"]
    assert math.isnan(r.wilcoxon_pvalue)
    assert r.wilcoxon_method.startswith("not computed")


def test_summary_html_and_results_state_the_hypothesis():
    result = BeforeAfter(survey(), id="household", pairs=PAIRS).fit()
    text = str(result)
    assert "Paired tests" in text
    assert "H0" in text
    assert "Cohen's dz" in text
    assert "zero_method='wilcox'" in text
    assert result.measures["income"].null.startswith("mean of income_2022 - income_2020 = 0")
    page = result.to_html()
    assert page.startswith("<!doctype html>")
    assert page.count("<svg") == 1
    assert "<table" in page
    # Self-contained: no scripts, stylesheets or images fetched from elsewhere.
    assert "<script" not in page
    assert 'src="http' not in page
    assert "<link" not in page
    assert result.meta["n_rows"] == 62
    assert len(result.meta["input_sha256"]) == 64


def test_the_model_does_not_change_the_callers_frame():
    frame = survey()
    frame["skills_2020"] = frame["skills_2020"].astype(str)
    before = frame.copy()
    BeforeAfter(frame, id="household", pairs=PAIRS).fit()
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize(
    ("change", "options", "error", "message"),
    [
        (None, {"pairs": {}}, AnalysisError, "at least one before/after pair"),
        (None, {"id": "hh"}, DataError, r"no id column named 'hh'"),
        (None, {"pairs": {"x": ("income_2020", "inc")}}, DataError, r"no column named 'inc'"),
        (None, {"pairs": {"x": ("a", "a")}}, AnalysisError, "column 'a' for both before and after"),
        (None, {"money": ["wealth"]}, AnalysisError, r"money measure 'wealth' is not one of"),
        (None, {"poverty": "wealth"}, AnalysisError, r"poverty measure 'wealth' is not one of"),
        (None, {"money": ["income"]}, AnalysisError, "needs year_before, year_after, base_year"),
        (None, {"base_year": 2020}, AnalysisError, "base year is given but no money measure"),
        (
            None,
            {"cpi": CPITable(name="c", levels={2020: 1.0}, status={})},
            AnalysisError,
            "CPI table is given but nothing uses it",
        ),
        (None, {"poverty": "income"}, AnalysisError, "need year_before and year_after"),
        (
            None,
            {"money": ["income"], "year_before": 2020, "year_after": 2030, "base_year": 2020},
            AnalysisError,
            r"no value for 2030; it covers 2009-2023",
        ),
        (
            None,
            {"poverty": "income", "year_before": 2019, "year_after": 2020, "poverty_line": "x"},
            AnalysisError,
            "unknown poverty line 'x'",
        ),
        ("text", {}, DataError, r"column 'income_2022', row 4 \(file line 5\): 'n/a yet'"),
        ("duplicate", {}, DataError, r"id 'H001' in column 'household' appears on rows 2, 7"),
        ("blank id", {}, DataError, r"id column 'household', row 3 \(file line 4\) is empty"),
        ("infinite", {}, DataError, r"column 'spending_2020', row 2 .* not a finite number"),
        ("too few", {}, AnalysisError, r"'skills' .* has 1 complete pair\(s\) after dropping 61"),
    ],
)
def test_bad_input_gets_its_own_message(change, options, error, message):
    frame = survey()
    frame.attrs["source"] = "villages.csv"
    if change == "text":
        frame["income_2022"] = frame["income_2022"].astype(object)
        frame.loc[3, "income_2022"] = "n/a yet"
    elif change == "duplicate":
        frame.loc[6, "household"] = "H001"
    elif change == "blank id":
        frame.loc[2, "household"] = None
    elif change == "infinite":
        frame.loc[1, "spending_2020"] = np.inf
    elif change == "too few":
        frame.loc[1:, "skills_2022"] = np.nan
    arguments = {"id": "household", "pairs": PAIRS, **options}
    with pytest.raises(error, match=message):
        BeforeAfter(frame, **arguments).fit()


def test_confidence_must_be_a_probability():
    with pytest.raises(AnalysisError, match="confidence must be between 0 and 1"):
        BeforeAfter(survey(), id="household", pairs=PAIRS).fit(confidence=95)


pair_values = st.lists(st.tuples(st.floats(1.0, 1e4), st.floats(1.0, 1e4)), min_size=3, max_size=40)


@settings(max_examples=60, deadline=None)
@given(values=pair_values, scale=st.floats(0.01, 1000.0))
def test_t_p_and_dz_do_not_depend_on_the_unit(values, scale):
    before = np.array([b for b, _ in values])
    after = np.array([a for _, a in values])
    diff = after - before
    assume(diff.std(ddof=1) > 1e-6 * max(1.0, abs(diff).max()))
    plain = fit_simple(before, after).measures["x"]
    scaled = fit_simple(before * scale, after * scale).measures["x"]
    assert scaled.statistic == pytest.approx(plain.statistic, rel=1e-7)
    assert scaled.dz == pytest.approx(plain.dz, rel=1e-7)
    assert scaled.pvalue == pytest.approx(plain.pvalue, rel=1e-6, abs=1e-12)
    assert scaled.mean_diff == pytest.approx(plain.mean_diff * scale, rel=1e-7)


@settings(max_examples=60, deadline=None)
@given(values=pair_values, shift=st.floats(-1e3, 1e3))
def test_swapping_before_and_after_flips_the_sign_and_a_common_shift_changes_nothing(values, shift):
    before = np.array([b for b, _ in values])
    after = np.array([a for _, a in values])
    diff = after - before
    assume(diff.std(ddof=1) > 1e-6 * max(1.0, abs(diff).max()))
    plain = fit_simple(before, after).measures["x"]
    swapped = fit_simple(after, before).measures["x"]
    shifted = fit_simple(before + shift, after + shift).measures["x"]
    assert swapped.statistic == pytest.approx(-plain.statistic, rel=1e-9)
    assert swapped.dz == pytest.approx(-plain.dz, rel=1e-9)
    assert shifted.statistic == pytest.approx(plain.statistic, rel=1e-6)
    assert plain.ci_low <= plain.mean_diff <= plain.ci_high


def test_cpi_indexed_line_without_deflation_compares_current_prices():
    frame = survey()
    result = BeforeAfter(
        frame,
        id="household",
        pairs=PAIRS,
        year_before=2020,
        year_after=2022,
        poverty="income",
        poverty_line="cpi_indexed",
    ).fit(confidence=0.975)
    cpi = national_rural_cpi()
    poverty = result.poverty
    assert poverty is not None
    assert poverty.line_after == pytest.approx(2300 * cpi.level(2022) / cpi.level(2010))
    assert poverty.prices == "current prices of each year"
    assert result.base_year is None
    assert result.cpi is not None
    assert result.cpi.factors == {}
    text = result.summary.as_text()
    assert "Nothing deflated; for the poverty line only" in text
    assert "97.5% CI low" in text


def test_agrees_with_r_on_students_sleep_data():
    # R: t.test(extra ~ group, data = sleep, paired = TRUE) prints t = -4.0621, df = 9,
    # p-value = 0.002833, 95 percent CI -2.4598858 -0.7001142, mean difference -1.58; and
    # wilcox.test(..., paired = TRUE) prints V = 0, p-value = 0.009091 (normal approximation
    # with R's default continuity correction, which countyhub does not apply).
    group_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    group_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    r = fit_simple(group_2, group_1).measures["x"]
    assert r.statistic == pytest.approx(-4.0621, abs=5e-5)
    assert r.df == 9
    assert r.pvalue == pytest.approx(0.002833, abs=5e-7)
    assert (r.ci_low, r.ci_high) == (
        pytest.approx(-2.4598858, abs=5e-8),
        pytest.approx(-0.7001142, abs=5e-8),
    )
    assert r.mean_diff == pytest.approx(-1.58)
    assert r.n_zero_differences == 1
    assert r.wilcoxon_statistic == 0.0
    corrected = stats.wilcoxon(
        np.array(group_1) - np.array(group_2), correction=True, method="asymptotic"
    )
    assert corrected.pvalue == pytest.approx(0.009091, abs=5e-7)
    assert r.wilcoxon_pvalue < corrected.pvalue


def test_continuity_correction_matches_r_wilcox_test_on_the_sleep_data():
    # R: wilcox.test(extra ~ group, data = sleep, paired = TRUE) prints V = 0, p-value = 0.009091
    # (zeros dropped, ties: normal approximation with R's default continuity correction).
    group_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    group_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    frame = pd.DataFrame({"id": range(10), "b": group_2, "a": group_1})
    model = BeforeAfter(frame, id="id", pairs={"x": ("b", "a")})
    as_r = model.fit(continuity_correction=True).measures["x"]
    assert as_r.wilcoxon_pvalue == pytest.approx(0.009091, abs=5e-7)
    assert as_r.wilcoxon_method.endswith("continuity-corrected (as R's wilcox.test)")
    plain = model.fit().measures["x"]
    assert plain.wilcoxon_pvalue < as_r.wilcoxon_pvalue
    assert "continuity" not in plain.wilcoxon_method


def test_an_exact_wilcoxon_is_never_continuity_corrected():
    before, after = [1.0, 2.0, 3.0, 4.0, 5.0], [2.5, 4.0, 3.5, 8.0, 10.0]
    frame = pd.DataFrame({"id": range(5), "b": before, "a": after})
    model = BeforeAfter(frame, id="id", pairs={"x": ("b", "a")})
    corrected = model.fit(continuity_correction=True).measures["x"]
    assert corrected.wilcoxon_method == "exact"
    assert corrected.wilcoxon_pvalue == model.fit().measures["x"].wilcoxon_pvalue
