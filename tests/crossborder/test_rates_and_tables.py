import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from countyhub.crossborder import selectors, services
from countyhub.crossborder.errors import CrossborderError, CrossborderErrorCode
from countyhub.crossborder.models import ExchangeRate, HSCode, RateSource

from .setup import DAY, compliance, hs_table, parties, trade_data

pytestmark = pytest.mark.django_db


def test_a_missing_rate_is_named():
    with pytest.raises(CrossborderError) as caught:
        selectors.rate_on("USD", DAY)
    assert caught.value.code is CrossborderErrorCode.MISSING_RATE
    assert str(caught.value) == (
        "There is no PBOC central parity rate for USD on 2026-12-07: enter it or import that "
        "day's rates."
    )


def test_rates_are_imported_from_csv_all_or_nothing():
    good = b"date,currency,rate,source\n2026-12-07,USD,7.1234,pboc\n2026-12-07,JPY,0.0476,pboc\n"
    assert services.import_rates(actor=None, upload=io.BytesIO(good), filename="rates.csv") == 2
    assert selectors.rate_on("JPY", DAY).rate == Decimal("0.0476")
    bad = b"date,currency,rate\n2026-12-08,USD,7.2\n2026-13-01,USD,7.1\n2026-12-09,US,x\n2026-12-09,XOF,1\n"
    with pytest.raises(CrossborderError) as caught:
        services.import_rates(actor=None, upload=io.BytesIO(bad), filename="rates.csv")
    assert caught.value.problems == [
        "rates.csv, row 3, column date: '2026-13-01' is not a date (YYYY-MM-DD).",
        "rates.csv, row 4, column rate: 'x' is not a number.",
        "rates.csv, row 5, column currency: currency 'XOF' has no customs currency code in the code list",
    ]
    assert not ExchangeRate.objects.filter(date=datetime.date(2026, 12, 8)).exists()


def test_hs_table_import_refuses_excel_mangled_codes_naming_the_row():
    csv = (
        "code,valid_from,valid_to,name_zh,name_en,unit1\n"
        "0902209000,2026-01-01,,绿茶,Green tea,035\n"
        "409000000,2026-01-01,,天然蜂蜜,Natural honey,035\n"
    ).encode()
    with pytest.raises(CrossborderError) as caught:
        services.import_hs_codes(actor=None, upload=io.BytesIO(csv), filename="hs.csv")
    (problem,) = caught.value.problems
    assert problem.startswith("hs.csv, row 3, column code: '409000000' has 9 digits")
    assert not HSCode.objects.exists()
    fixed = csv.replace(b"409000000,", b"0409000000,")
    assert services.import_hs_codes(actor=None, upload=io.BytesIO(fixed), filename="hs.csv") == 2


def test_hs_code_valid_only_within_its_dates():
    hs_table()
    assert selectors.hs_line("0409000000", DAY) is not None
    assert selectors.hs_line("0409000000", datetime.date(2027, 1, 1)) is None  # valid to 2026


def test_trade_data_is_normalised_and_gross_at_least_net(world):
    hs_table()
    made = parties(world.county, world.seller)
    data = trade_data(world.product, made["producer"])
    assert data.hs_code == "0902109000"
    with pytest.raises(ValidationError) as caught:
        trade_data(world.product, made["producer"], gross_weight=Decimal("0.9"))
    assert "gross_weight" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        trade_data(world.product, made["producer"], hs_code="902109000")
    assert "leading zero" in caught.value.message_dict["hs_code"][0]


def test_trade_data_gaps_name_what_is_missing(world):
    hs_table()
    made = parties(world.county, world.seller)
    assert selectors.trade_data_gaps(world.product, "US", DAY) == [
        "Trade data is missing: HS code, declared names, weights, producer."
    ]
    trade_data(world.product, made["producer"])
    # Green tea needs exit inspection (Q.S): no compliance record yet.
    (gap,) = selectors.trade_data_gaps(world.product, "US", DAY)
    assert "needs exit inspection (P.R/Q.S)" in gap and "covering US" in gap
    compliance(made["producer"], destinations="JP GB")
    assert selectors.trade_data_gaps(world.product, "US", DAY) == [gap]
    assert selectors.trade_data_gaps(world.product, "JP", DAY) == []
    compliance(made["producer"], number="2", expires_on=datetime.date(2026, 12, 6))
    assert selectors.trade_data_gaps(world.product, "US", DAY) == [gap]  # expired the day before
    compliance(made["producer"], number="3")
    assert selectors.trade_data_gaps(world.product, "US", DAY) == []
    assert selectors.trade_data_gaps(world.product, "US", datetime.date(2025, 6, 1)) == [
        "HS code 0902109000 is not in the HS code table for 2025-06-01."
    ]


def test_party_codes_are_validated(world):
    from countyhub.crossborder.models import PartyRole, TradeParty

    bad = TradeParty(
        county=world.county, role=PartyRole.LOGISTICS, code="91110108MA01ABCD0C", name="X"
    )
    with pytest.raises(ValidationError) as caught:
        services.save_party(actor=None, party=bad)
    assert "check character should be 'B'" in caught.value.message_dict["code"][0]
    foreign = TradeParty(
        county=world.county, role=PartyRole.PLATFORM, code="无", name="Mall", is_foreign=True
    )
    assert services.save_party(actor=None, party=foreign).code == "无"
    assert RateSource.PBOC.label == "PBOC central parity"
