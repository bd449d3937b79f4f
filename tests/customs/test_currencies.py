from decimal import Decimal

import pytest

from countyhub.customs import codelists
from countyhub.customs.currencies import (
    PriceEnding,
    apply_ending,
    check_minor_units,
    convert_from_cny,
    format_amount,
    line_total,
    minor_units,
    plain,
    round_amount,
    to_cny,
)
from countyhub.customs.errors import CodeListError, CurrencyError


@pytest.mark.parametrize(
    ("currency", "digits"),
    [
        ("JPY", 0),
        ("KRW", 0),
        ("USD", 2),
        ("CNY", 2),
        ("KWD", 3),
        ("BHD", 3),
        # ISO 4217 where CLDR's display digits differ (CLDR: 0 for each).
        ("IQD", 3),
        ("IDR", 2),
        ("HUF", 2),
        ("COP", 2),
    ],
)
def test_minor_units_follow_iso_4217(currency, digits):
    assert minor_units(currency) == digits


@pytest.mark.parametrize("currency", ["IQD", "IDR", "HUF", "COP"])
def test_iso_4217_wins_where_cldrs_display_digits_differ(currency):
    from babel.numbers import get_currency_precision

    # CLDR (Babel) shows these without decimals; ISO 4217 list one gives them 3, 2, 2, 2.
    assert get_currency_precision(currency) == 0
    assert minor_units(currency) > 0


def test_a_code_without_minor_units_is_not_money():
    with pytest.raises(CurrencyError, match="'XAU' has no minor units in ISO 4217"):
        minor_units("XAU")


def test_an_unknown_currency_is_refused():
    with pytest.raises(CurrencyError, match="'XQQ' is not an ISO 4217 currency"):
        minor_units("XQQ")


# Hand-computed: 100 / 7.1234 = 14.038240...; 7.035 / 7 = 1.005 exactly (half up, not to even);
# 1.25 / 0.5 = 2.5 yen → 3; 0.93 / 20 = 0.0465 dinar → 0.047; 100 / 23.2 = 4.3103448...
@pytest.mark.parametrize(
    ("cny", "rate", "currency", "expected"),
    [
        ("100.00", "7.1234", "USD", "14.04"),
        ("7.035", "7", "USD", "1.01"),
        ("1.25", "0.5", "JPY", "3"),
        ("100", "0.048", "JPY", "2083"),
        ("0.93", "20", "KWD", "0.047"),
        ("100", "23.2", "KWD", "4.310"),
        ("12.345", "1", "CNY", "12.35"),
    ],
)
def test_conversion_rounds_half_up_to_the_minor_units(cny, rate, currency, expected):
    result = convert_from_cny(Decimal(cny), Decimal(rate), currency)
    assert result == Decimal(expected)
    assert str(result) == expected  # the exponent of the currency, not more digits


@pytest.mark.parametrize(
    ("amount", "currency", "ending", "expected"),
    [
        ("14.04", "USD", PriceEnding.X99, "14.99"),
        ("14.99", "USD", PriceEnding.X99, "14.99"),
        ("15.00", "USD", PriceEnding.X99, "15.99"),
        ("14.04", "USD", PriceEnding.X9, "14.09"),
        ("14.10", "USD", PriceEnding.X9, "14.19"),
        ("14.04", "USD", PriceEnding.WHOLE, "15.00"),
        ("14.00", "USD", PriceEnding.WHOLE, "14.00"),
        ("2083", "JPY", PriceEnding.X99, "2099"),
        ("2083", "JPY", PriceEnding.X9, "2089"),
        ("2083", "JPY", PriceEnding.WHOLE, "2083"),
        ("4.310", "KWD", PriceEnding.X99, "4.990"),
        ("14.04", "USD", PriceEnding.NONE, "14.04"),
    ],
)
def test_price_endings_round_up_to_the_ending(amount, currency, ending, expected):
    assert str(apply_ending(Decimal(amount), currency, ending)) == expected


def test_conversion_then_ending():
    assert convert_from_cny(Decimal("100"), Decimal("7.1234"), "USD", PriceEnding.X99) == Decimal(
        "14.99"
    )


def test_line_total_is_the_rounded_unit_price_times_quantity():
    unit = convert_from_cny(Decimal("100"), Decimal("7.1234"), "USD")
    # 14.04 × 3 = 42.12, where 300 / 7.1234 would give 42.11
    assert line_total(unit, Decimal("3"), "USD") == Decimal("42.12")
    assert line_total(Decimal("2083"), Decimal("1.5"), "JPY") == Decimal("3125")  # 3124.5 → 3125


def test_back_to_cny_at_the_frozen_rate():
    assert to_cny(Decimal("42.12"), Decimal("7.1234")) == Decimal("300.04")  # 300.037608


def test_floats_and_bad_rates_are_refused():
    with pytest.raises(CurrencyError, match="must be a Decimal, not float"):
        round_amount(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(CurrencyError, match="rate must be greater than 0"):
        convert_from_cny(Decimal("1"), Decimal("0"), "USD")
    with pytest.raises(CurrencyError, match="finite"):
        convert_from_cny(Decimal("NaN"), Decimal("7"), "USD")


def test_customs_codes_of_currencies_and_countries():
    assert codelists.customs_currency("CNY") == "142"
    assert codelists.customs_currency("USD") == "502"
    assert codelists.customs_currency("JPY") == "116"
    assert codelists.iso_currency("303") == "GBP"
    assert codelists.customs_country("US") == "502"
    assert codelists.iso_country("116") == "JP"
    with pytest.raises(CurrencyError, match="'XOF' has no customs currency code"):
        codelists.customs_currency("XOF")
    with pytest.raises(CodeListError, match="'001' is not in the code list"):
        codelists.iso_country("001")


def test_every_currency_of_the_code_list_is_iso_4217():
    for entry in codelists.currencies().values():
        assert minor_units(entry.iso) in (0, 2, 3)


# ISO 4217 minor units of every currency in the customs currency list (hand-copied from the
# ISO 4217 table as the expectation): CLDR, which Babel ships, differs from ISO for some
# currencies (IDR, HUF, COP, IQD ...; data/iso4217_minor_units.csv), so a row added to
# currencies.csv must be checked here, and added to that table if CLDR differs.
ISO_4217_MINOR_UNITS = {
    "CNY": 2, "HKD": 2, "MOP": 2, "JPY": 0, "KRW": 0, "SGD": 2, "MYR": 2, "THB": 2, "PHP": 2,
    "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3, "EUR": 2, "DKK": 2, "GBP": 2, "NOK": 2, "SEK": 2,
    "CHF": 2, "RUB": 2, "CAD": 2, "USD": 2, "AUD": 2, "NZD": 2,
}  # fmt: skip


def test_every_customs_currency_has_its_iso_minor_units():
    listed = {entry.iso for entry in codelists.currencies().values()}
    assert listed == set(ISO_4217_MINOR_UNITS)
    assert {code: minor_units(code) for code in listed} == ISO_4217_MINOR_UNITS


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("4.31", "KWD", "4.310"),
        ("4.3105", "KWD", "4.311"),  # half up at the third decimal
        ("2100.00000", "JPY", "2100"),
        ("2083.5", "JPY", "2084"),
        ("14.04000", "USD", "14.04"),
        ("0.0005", "BHD", "0.001"),
    ],
)
def test_amounts_are_shown_in_the_currencys_own_minor_units(amount, currency, text):
    assert format_amount(Decimal(amount), currency) == text


def test_an_amount_finer_than_the_currency_is_refused():
    assert check_minor_units(Decimal("12.50000"), "USD") == Decimal("12.50000")
    assert check_minor_units(Decimal("1.234"), "KWD") == Decimal("1.234")
    assert check_minor_units(Decimal("1250.000"), "JPY") == Decimal("1250.000")
    with pytest.raises(CurrencyError, match=r"freight 12\.5 JPY has more decimals than the 0"):
        check_minor_units(Decimal("12.5"), "JPY", "freight")
    with pytest.raises(CurrencyError, match=r"1\.2345 KWD has more decimals than the 3"):
        check_minor_units(Decimal("1.2345"), "KWD")


def test_plain_drops_trailing_zeros_without_an_exponent():
    assert [str(plain(Decimal(v))) for v in ("100.00000", "3.60000", "2100", "0.00100")] == [
        "100",
        "3.6",
        "2100",
        "0.001",
    ]
