"""Subgroup means and Welch differences: a hand-computed example, scipy's ttest_ind with
equal_var=False as the reference, and the cases without a number (too few, no spread)."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from countyhub.analysis.errors import DataError
from countyhub.analysis.groups import (
    NO_SPREAD,
    TOO_FEW,
    Band,
    assign_bands,
    compare_groups,
    welch_difference,
)


def test_hand_example():
    # a = 1..4: mean 2.5, s^2 = 5/3, s^2/n = 5/12; b = 2, 4, ..., 10: mean 6, s^2 = 10, s^2/n = 2.
    result = welch_difference([1, 2, 3, 4], [2, 4, 6, 8, 10], names=("a", "b"))
    assert result.estimate == pytest.approx(-3.5, abs=1e-12)
    assert result.se == pytest.approx(math.sqrt(29 / 12), abs=1e-12)
    # df = (29/12)^2 / ((5/12)^2 / 3 + 2^2 / 4) = (841/144) / (25/432 + 1)
    df = (841 / 144) / (25 / 432 + 1)
    assert result.df == pytest.approx(df, abs=1e-12)
    assert df == pytest.approx(5.520788, abs=1e-6)
    assert result.t == pytest.approx(-3.5 / math.sqrt(29 / 12), abs=1e-12)
    assert result.t == pytest.approx(-2.251436, abs=1e-6)
    critical = stats.t.ppf(0.975, df)
    assert result.low == pytest.approx(-3.5 - critical * math.sqrt(29 / 12), abs=1e-12)
    assert result.high == pytest.approx(-3.5 + critical * math.sqrt(29 / 12), abs=1e-12)
    assert result.high > 0 and result.distinguishable is False  # the interval spans zero
    assert (result.first, result.second, result.n_first, result.n_second) == ("a", "b", 4, 5)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_matches_scipy_welch(seed, confidence):
    rng = np.random.default_rng(seed)
    a = rng.lognormal(8, 0.6, size=7 + seed)
    b = rng.lognormal(8.4, 0.3, size=12)
    ours = welch_difference(a, b, confidence=confidence)
    theirs = stats.ttest_ind(a, b, equal_var=False)
    interval = theirs.confidence_interval(confidence_level=confidence)
    assert ours.t == pytest.approx(theirs.statistic, rel=1e-12)
    assert ours.p == pytest.approx(theirs.pvalue, rel=1e-10)
    assert ours.df == pytest.approx(theirs.df, rel=1e-12)
    assert ours.low == pytest.approx(interval.low, rel=1e-10)
    assert ours.high == pytest.approx(interval.high, rel=1e-10)
    assert ours.distinguishable == (theirs.pvalue < 1 - confidence)


def test_a_clear_difference_is_distinguishable():
    result = welch_difference([10, 11, 12, 10, 11], [1, 2, 1, 2, 1])
    assert result.estimate == pytest.approx(9.4)
    assert result.low > 0 and result.distinguishable is True


def test_a_group_of_one_gets_a_reason_not_a_number():
    result = welch_difference([5.0], [1.0, 2.0, 3.0])
    assert result.reason == TOO_FEW and result.estimate is None and result.low is None
    assert result.distinguishable is None and (result.n_first, result.n_second) == (1, 3)


def test_missing_values_are_left_out_not_zero():
    result = welch_difference([1, 2, 3, 4, math.nan], [2, 4, 6, 8, 10])
    assert result.n_first == 4 and result.estimate == pytest.approx(-3.5)


def test_no_spread_gives_the_exact_difference_without_interval():
    result = welch_difference([0, 0, 0], [5, 5])
    assert result.reason == NO_SPREAD and result.estimate == -5.0 and result.low is None


def test_confidence_must_be_a_probability():
    with pytest.raises(DataError, match="confidence"):
        welch_difference([1, 2], [3, 4], confidence=95)


def test_compare_groups_lists_every_group_and_every_pair():
    frame = pd.DataFrame(
        {
            "band": ["young", "young", "old", "old", "old", "mid", None, "young"],
            "income": [1.0, 3.0, 10.0, 12.0, 14.0, 7.0, 100.0, math.nan],
        }
    )
    frame.attrs["source"] = "test"
    result = compare_groups(frame, "income", "band", ["young", "mid", "old"])
    young, mid, old = result.groups
    assert (young.n, young.missing, young.mean, young.sd) == (
        2,
        1,
        2.0,
        pytest.approx(math.sqrt(2)),
    )
    assert (mid.n, mid.mean, mid.sd) == (1, 7.0, None)
    assert (old.n, old.mean, old.sd) == (3, 12.0, 2.0)
    assert result.ungrouped == 1  # the row without a band
    pairs = {(d.first, d.second): d for d in result.differences}
    assert list(pairs) == [("young", "mid"), ("young", "old"), ("mid", "old")]
    assert pairs[("young", "mid")].reason == TOO_FEW
    assert pairs[("mid", "old")].reason == TOO_FEW
    direct = welch_difference([1.0, 3.0], [10.0, 12.0, 14.0])
    assert pairs[("young", "old")].estimate == pytest.approx(-10.0)
    assert pairs[("young", "old")].low == pytest.approx(direct.low)
    empty = compare_groups(frame, "income", "band", ["young", "nobody"])
    assert empty.summary("nobody").mean is None and empty.summary("nobody").n == 0


def test_compare_groups_names_a_missing_column():
    frame = pd.DataFrame({"g": ["a"], "y": [1.0]})
    frame.attrs["source"] = "panel"
    with pytest.raises(DataError, match="panel: no column named 'income'"):
        compare_groups(frame, "income", "g", ["a"])


def test_bands_are_half_open_and_leave_unknowns_out():
    bands = [Band("under_40", None, 40), Band("40_59", 40, 60), Band("60_plus", 60, None)]
    values = pd.Series([39, 40, 59.9, 60, None, math.nan, 18])
    assert assign_bands(values, bands).tolist() == [
        "under_40", "40_59", "40_59", "60_plus", None, None, "under_40"]  # fmt: skip
    gap = [Band("near", None, 10), Band("far", 25, None)]
    assert assign_bands(pd.Series([12.0]), gap).tolist() == [None]


def test_bands_must_be_well_formed():
    with pytest.raises(ValueError, match="below"):
        Band("bad", 10, 5)
    with pytest.raises(DataError, match="overlap"):
        assign_bands(pd.Series([5]), [Band("a", None, 10), Band("b", 0, None)])
    with pytest.raises(DataError, match="repeat"):
        assign_bands(pd.Series([5]), [Band("a", None, 10), Band("a", 10, None)])
