from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from countyhub.core.money import Money, format_money, quantize_cny


@pytest.mark.parametrize(
    ("amount", "text"),
    [(Decimal("3"), "¥3.00"), (Decimal("1234.5"), "¥1,234.50"), (Decimal("0.005"), "¥0.01")],
)
def test_prices_show_as_yuan_with_two_decimals(amount, text):
    assert format_money(amount) == text


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(TypeError):
        Money(1.5)
    with pytest.raises(ValueError, match="USD"):
        Money(Decimal(1)) + Money(Decimal(1), "USD")


@given(st.lists(st.decimals(min_value=0, max_value=10**6, places=2), max_size=20))
def test_sums_of_fen_amounts_stay_exact(amounts):
    total = sum((Money(a) for a in amounts), Money(Decimal(0)))
    assert total.amount == sum(amounts, Decimal(0))
    assert quantize_cny(total.amount) == total.amount
