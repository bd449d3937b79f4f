"""Currencies: ISO 4217 minor units, conversion from CNY with Decimal.

Minor units follow ISO 4217, as the GACC specification and payment settlement do: an amount in a
customs message, an invoice and a payment must agree to the minor unit. They come from the
`iso4217` package, which ships ISO 4217 list one as the maintenance agency publishes it (its
version names the list's date), not from Babel's CLDR digits: those are display digits and differ
from ISO's minor units for IDR, HUF, COP, IQD and a dozen more (see data/SOURCES.md).

A price in a foreign currency is the CNY price divided by the rate (CNY per one unit of the
currency), rounded half up to the currency's minor units (JPY 0, USD 2, KWD 3), then given the
channel's price ending. A line total is the rounded unit price times the quantity, so that an
invoice adds up line by line. Never float.
"""

from __future__ import annotations

import enum
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from countyhub.customs.errors import CurrencyError

CNY = "CNY"


class PriceEnding(enum.StrEnum):
    """A channel's rule for the last digits of a converted price, applied after rounding:
    never lowering the price by more than the rounding step, always rounding up to the ending."""

    NONE = "none"
    X99 = "x99"  # 12.34 → 12.99 (0-decimal currencies: 1234 → 1299)
    X9 = "x9"  # 12.34 → 12.90; 0-decimal: 1234 → 1239
    WHOLE = "whole"  # 12.34 → 13.00; 0-decimal: unchanged


def minor_units(currency: str) -> int:
    """Digits after the decimal point of an amount in `currency`, per ISO 4217 list one;
    CurrencyError for a code not on the list or without minor units (gold, test codes)."""
    from iso4217 import Currency  # lazy: see countyhub.customs

    try:
        exponent = Currency(currency).exponent
    except ValueError:
        raise CurrencyError(f"{currency!r} is not an ISO 4217 currency code") from None
    if exponent is None:
        raise CurrencyError(f"{currency!r} has no minor units in ISO 4217: it is not money")
    return int(exponent)


def quantum(currency: str) -> Decimal:
    """The smallest amount of `currency`: Decimal('1') for JPY, '0.01' for USD, '0.001' KWD."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_amount(amount: Decimal, currency: str) -> Decimal:
    """Half up to the currency's minor units."""
    _check_decimal(amount, "amount")
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount as text with exactly the currency's minor units, never an exponent:
    `2100` JPY, `4.310` KWD, `14.04` USD (a Decimal's normalize() would give 2.1E+3 and 4.31)."""
    return format(round_amount(amount, currency), "f")


def check_minor_units(amount: Decimal, currency: str, name: str = "amount") -> Decimal:
    """`amount` unchanged if it has no more decimals than `currency` has minor units (trailing
    zeros aside: 12.50000 USD is 12.50), else a CurrencyError naming it: 12.5 JPY is not an
    amount of yen, and rounding it silently would make the documents disagree."""
    _check_decimal(amount, name)
    if amount != round_amount(amount, currency):
        digits = minor_units(currency)
        raise CurrencyError(
            f"{name} {format(amount.normalize(), 'f')} {currency} has more decimals than the "
            f"{digits} of {currency}"
        )
    return amount


def plain(value: Decimal) -> Decimal:
    """Trailing zeros dropped, but never an exponent: 3.60000 → 3.6, 100.00000 → 100."""
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal  # type: ignore[operator]


def apply_ending(amount: Decimal, currency: str, ending: PriceEnding) -> Decimal:
    """Give a rounded price its ending: the smallest price with that ending not below it.

    An ending is a step and a tail (the price is k × step + tail): x.99 is (1, 0.99), x.x9 is
    (0.1, 0.09), whole is (1, 0); in a currency without minor units x99 is (100, 99) and x9 is
    (10, 9), and a whole price is already whole.
    """
    if ending is PriceEnding.NONE:
        return amount
    whole_units = minor_units(currency) == 0
    step, tail = {
        PriceEnding.X99: (Decimal(100), Decimal(99))
        if whole_units
        else (Decimal(1), Decimal("0.99")),
        PriceEnding.X9: (Decimal(10), Decimal(9))
        if whole_units
        else (Decimal("0.1"), Decimal("0.09")),
        PriceEnding.WHOLE: (Decimal(1), Decimal(0)),
    }[ending]
    k = ((amount - tail) / step).to_integral_value(rounding=ROUND_CEILING)
    return (k * step + tail).quantize(quantum(currency))


def convert_from_cny(
    amount_cny: Decimal, rate: Decimal, currency: str, ending: PriceEnding = PriceEnding.NONE
) -> Decimal:
    """A CNY price in `currency` at `rate` (CNY per one unit of `currency`): divided, rounded half
    up to the minor units, then given the price ending."""
    _check_decimal(amount_cny, "amount")
    _check_rate(rate)
    if currency == CNY:
        return round_amount(amount_cny, CNY)
    return apply_ending(round_amount(amount_cny / rate, currency), currency, ending)


def to_cny(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in a foreign currency in CNY at a frozen rate, rounded half up to the fen."""
    _check_decimal(amount, "amount")
    _check_rate(rate)
    return round_amount(amount * rate, CNY)


def line_total(unit_price: Decimal, quantity: Decimal, currency: str) -> Decimal:
    """Rounded unit price × quantity, rounded to the minor units (a fractional kg may need it)."""
    return round_amount(unit_price * quantity, currency)


def _check_decimal(value: object, name: str) -> None:
    if not isinstance(value, Decimal):
        raise CurrencyError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not value.is_finite():
        raise CurrencyError(f"{name} must be a finite number, not {value}")


def _check_rate(rate: Decimal) -> None:
    _check_decimal(rate, "rate")
    if rate <= 0:
        raise CurrencyError(f"rate must be greater than 0, not {rate}")
