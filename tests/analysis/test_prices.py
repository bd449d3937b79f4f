"""Unit prices, the price index and the mean difference's interval, against hand values."""

import math

import pandas as pd
import pytest

from countyhub.analysis.errors import DataError
from countyhub.analysis.prices import (
    mean_difference,
    price_index,
    relative_differences,
    unit_prices,
)


def test_unit_price_is_the_quantity_weighted_mean():
    lines = pd.DataFrame(
        {
            "item": ["rice", "rice", "rice", "tea"],
            "year": [2024, 2024, 2025, 2024],
            # rice 2024: 2 kg at 5.00 and 8 kg at 6.00 -> (10 + 48) / 10 = 5.80, not (5 + 6) / 2
            "quantity": [2, 8, 1, 0.5],
            "amount": [10.0, 48.0, 7.0, 60.0],
        }
    )
    result = unit_prices(lines, ["item", "year"])
    rows = {(r.item, r.year): r for r in result.itertuples()}
    assert rows["rice", 2024].price == pytest.approx(5.8)
    assert (rows["rice", 2024].lines, rows["rice", 2024].quantity) == (2, 10)
    assert rows["rice", 2025].price == pytest.approx(7.0)
    assert rows["tea", 2024].price == pytest.approx(120.0)


def test_unit_prices_refuse_a_line_without_quantity_by_row():
    lines = pd.DataFrame({"item": ["a", "b"], "quantity": [1, 0], "amount": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"column 'quantity', row 2: .* is not a quantity > 0"):
        unit_prices(lines, ["item"])


def test_unit_prices_name_a_missing_column():
    with pytest.raises(DataError, match="no column named 'item'"):
        unit_prices(pd.DataFrame({"quantity": [1], "amount": [1]}), ["item"])


def test_price_index_by_hand():
    basket = pd.DataFrame(
        {
            "platform": [5.8, 120.0, 3.0, 9.0],
            "county": [6.0, 110.0, None, 10.0],
            "q": [10, 0.5, 4, 0],
        }
    )
    index = price_index(basket, price="platform", base_price="county", quantity="q")
    # (5.8 * 10 + 120 * 0.5) / (6 * 10 + 110 * 0.5) = 118 / 115; no county price for row 3,
    # no quantity in row 4: both left out.
    assert index.value == pytest.approx(100 * 118 / 115)
    assert (index.compared, index.base) == (pytest.approx(118), pytest.approx(115))
    assert (index.items, index.left_out) == (2, 2)


def test_price_index_without_any_pair_is_nan():
    basket = pd.DataFrame({"p": [1.0], "p0": [None], "q": [1]})
    index = price_index(basket, price="p", base_price="p0", quantity="q")
    assert math.isnan(index.value)
    assert index.to_dict()["value"] is None


def test_relative_differences_in_percent():
    frame = pd.DataFrame({"p": [9.0, 12.0, 5.0], "p0": [10.0, 10.0, None]})
    values = relative_differences(frame, price="p", base_price="p0").tolist()
    assert values[:2] == [pytest.approx(-10.0), pytest.approx(20.0)]
    assert math.isnan(values[2])


def test_mean_difference_interval_by_hand():
    # mean -2, s = 2, se = 2 / sqrt(3); t(0.975, 2) = 4.302652729749464
    result = mean_difference([-2.0, 0.0, -4.0])
    half = 4.302652729749464 * 2 / math.sqrt(3)
    assert result.mean == pytest.approx(-2.0)
    assert result.std_error == pytest.approx(2 / math.sqrt(3))
    assert (result.ci_low, result.ci_high) == (pytest.approx(-2 - half), pytest.approx(-2 + half))
    assert result.n == 3
    assert not result.distinguishable_from_zero  # -6.97 .. 2.97 holds zero


def test_a_clear_saving_is_distinguishable_from_zero():
    # mean -10, s = 1, n = 4: t(0.975, 3) = 3.182446305284263, half = 1.5912
    result = mean_difference(pd.Series([-9.0, -11.0, -10.0, -10.0, None]))
    s = math.sqrt(2 / 3)
    half = 3.182446305284263 * s / 2
    assert (result.n, result.mean) == (4, pytest.approx(-10.0))
    assert result.ci_high == pytest.approx(-10 + half)
    assert result.distinguishable_from_zero


def test_mean_difference_needs_two_values_for_an_interval():
    one = mean_difference([3.0])
    assert (one.mean, one.n, one.has_interval) == (3.0, 1, False)
    assert not one.distinguishable_from_zero
    none = mean_difference([])
    assert math.isnan(none.mean)
    assert none.to_dict()["mean"] is None
