"""FGT and Gini on data frames, against values computed by hand (notes/surveys.md §4 A5)."""

import math

import pandas as pd
import pytest

from countyhub.analysis.errors import DataError
from countyhub.analysis.inequality import fgt, gini, poverty_measures


def frame(**columns):
    return pd.DataFrame(columns)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 2, 3, 4, 5], 4 / 15), ([0, 0, 0, 1], 0.75), ([5, 5, 5], 0.0), ([2, 4, 6, 8, 10], 4 / 15)],
)
def test_gini_hand_values(values, expected):
    assert gini(frame(y=values), "y") == pytest.approx(expected, abs=1e-12)


def test_gini_small_sample_form():
    assert gini(frame(y=[1, 2, 3, 4, 5]), "y", small_sample=True) == pytest.approx(1 / 3, abs=1e-12)


def test_weighted_gini_equals_the_expanded_sample():
    weighted = gini(frame(y=[1, 2], w=[3, 1]), "y", weight="w")
    assert weighted == pytest.approx(0.15, abs=1e-12)
    assert gini(frame(y=[1, 1, 1, 2]), "y") == pytest.approx(weighted, abs=1e-12)


def test_gini_order_does_not_matter():
    assert gini(frame(y=[5, 1, 4, 2, 3]), "y") == pytest.approx(4 / 15, abs=1e-12)


def test_negative_income_is_refused_by_row():
    with pytest.raises(DataError, match=r"column 'y', row 2: -1.0 is negative"):
        gini(frame(y=[1, -1, 3]), "y")


def test_missing_income_is_left_out_not_zero():
    data = frame(y=[1, None, 2, 3, 4, 5])
    assert gini(data, "y") == pytest.approx(4 / 15, abs=1e-12)


# Incomes 1,000, 2,000, 3,000, 5,000 against a line of 4,000 (hand):
# poor: 3 of 4 -> headcount 0.75; shortfalls 0.75, 0.5, 0.25 -> gap 1.5 / 4 = 0.375;
# squared 0.5625 + 0.25 + 0.0625 = 0.875 -> 0.21875.
INCOMES = [1000, 2000, 3000, 5000]


@pytest.mark.parametrize(("alpha", "expected"), [(0, 0.75), (1, 0.375), (2, 0.21875)])
def test_fgt_hand_values(alpha, expected):
    assert fgt(frame(y=INCOMES), "y", line=4000, alpha=alpha) == pytest.approx(expected)


def test_a_person_on_the_line_is_not_poor():
    assert fgt(frame(y=[4000, 3999]), "y", line=4000, alpha=0) == 0.5


def test_weighted_fgt():
    # Weights 1, 1, 2, 4 (total 8): headcount (1 + 1 + 2) / 8 = 0.5; gap (0.75 + 0.5 + 0.5) / 8.
    data = frame(y=INCOMES, w=[1, 1, 2, 4])
    assert fgt(data, "y", line=4000, alpha=0, weight="w") == pytest.approx(0.5)
    assert fgt(data, "y", line=4000, alpha=1, weight="w") == pytest.approx(1.75 / 8)


def test_line_per_row_from_a_column():
    # 2019 line 3,218 and 2020 line 4,000: 3,900 is poor in 2020, not in 2019.
    data = frame(y=[3900, 3900], line=[3218, 4000])
    assert fgt(data, "y", line="line", alpha=0) == 0.5
    assert fgt(data, "y", line="line", alpha=1) == pytest.approx(100 / 4000 / 2)


def test_bad_line_is_named():
    with pytest.raises(DataError, match=r"column 'line', row 2"):
        fgt(frame(y=[1, 2], line=[3, 0]), "y", line="line", alpha=0)
    with pytest.raises(DataError, match="positive"):
        fgt(frame(y=[1, 2]), "y", line=-5, alpha=0)


def test_measures_by_group():
    data = frame(
        village=["A", "A", "A", "A", "B", "B"],
        y=[*INCOMES, 5000, 6000],
    )
    table = poverty_measures(data, "y", line=4000, by=["village"])
    assert table.loc["A", "headcount"] == 0.75
    assert table.loc["A", "gap"] == pytest.approx(0.375)
    assert table.loc["A", "squared_gap"] == pytest.approx(0.21875)
    assert table.loc["A", "poor"] == 3
    assert table.loc["B", "headcount"] == 0.0
    assert table.loc["B", "gini"] == pytest.approx(1000 / 22000)
    overall = poverty_measures(data, "y", line=4000)
    assert overall.loc[0, "n"] == 6 and overall.loc[0, "headcount"] == 0.5


def test_empty_group_gives_nan_not_zero():
    table = poverty_measures(frame(y=[None, None], g=["a", "a"]), "y", line=10, by=["g"])
    assert math.isnan(table.loc["a", "headcount"]) and table.loc["a", "missing"] == 2
