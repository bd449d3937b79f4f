"""The one home of month arithmetic (payout runs, KPIs, training outcomes all use it)."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyhub.core.months import add_months, month_end, month_start, parse_month, previous_month

d = datetime.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (d(2025, 1, 31), 1, d(2025, 2, 28)),
        (d(2024, 1, 31), 1, d(2024, 2, 29)),
        (d(2024, 2, 29), 12, d(2025, 2, 28)),
        (d(2025, 12, 15), 1, d(2026, 1, 15)),
        (d(2025, 1, 1), -1, d(2024, 12, 1)),
        (d(2025, 3, 31), -13, d(2024, 2, 29)),
        (d(2025, 5, 1), 0, d(2025, 5, 1)),
    ],
)
def test_add_months_keeps_the_day_within_the_month(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(d(1900, 1, 1), d(2900, 12, 31)), st.integers(-1200, 1200))
def test_a_month_start_shifts_to_a_month_start_and_back(day, months):
    first = month_start(day)
    shifted = add_months(first, months)
    assert shifted.day == 1
    assert (shifted.year * 12 + shifted.month) - (first.year * 12 + first.month) == months
    assert add_months(shifted, -months) == first


def test_month_end_previous_month_and_parsing():
    assert month_end(d(2024, 2, 10)) == d(2024, 2, 29)
    assert previous_month(d(2025, 1, 20)) == d(2024, 12, 1)
    assert parse_month("2025-01") == d(2025, 1, 1)
    for bad in ("2025-13", "2025/01", ""):
        with pytest.raises(ValueError, match=r"does not match|unconverted"):
            parse_month(bad)
