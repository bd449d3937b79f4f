"""Money is Decimal with a currency, never float; CNY is quantized to the fen (0.01)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CNY = "CNY"
FEN = Decimal("0.01")
_SYMBOLS = {CNY: "¥"}


def quantize_cny(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = CNY

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be a Decimal, not {type(self.amount).__name__}")

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


def format_money(amount: Decimal, currency: str = CNY) -> str:
    """`¥1,234.50`: the symbol and two decimals, as buyers expect."""
    symbol = _SYMBOLS.get(currency, f"{currency} ")
    return f"{symbol}{quantize_cny(amount):,.2f}"
