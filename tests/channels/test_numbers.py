"""Order numbers as spreadsheets leave them: kept, recovered exactly, or refused by name."""

import pytest

from countyhub.channels.numbers import OrderNumberError, clean_order_number


@pytest.mark.parametrize(
    ("typed", "number", "recovered"),
    [
        ("3712456789012345678", "3712456789012345678", False),
        ('="3712456789012345678"', "3712456789012345678", False),
        ("'3712456789012345678", "3712456789012345678", False),
        ("\t3712456789012345678", "3712456789012345678", False),
        ("JD-2026-0001", "JD-2026-0001", False),
        ("123456789012345.0", "123456789012345", True),
    ],
)
def test_numbers_kept_or_recovered(typed, number, recovered):
    assert clean_order_number(typed) == (number, recovered)


@pytest.mark.parametrize(
    "mangled", ["3.71246E+18", "3.712456789012346e+18", "1234567890123456789.0", "37124E18"]
)
def test_numbers_that_lost_digits_are_refused_saying_why(mangled):
    with pytest.raises(OrderNumberError, match="spreadsheet"):
        clean_order_number(mangled)


@pytest.mark.parametrize("bad", ["", "  ", "订单 1", "x" * 65])
def test_text_that_is_no_order_number_is_refused(bad):
    with pytest.raises(OrderNumberError):
        clean_order_number(bad)
