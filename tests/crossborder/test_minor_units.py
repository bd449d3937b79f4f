"""Export orders in KWD (3 decimals) and JPY (none): prices, totals, the page and the documents
in the currency's own minor units, hand-computed; a fee finer than the currency is refused."""

import json
from decimal import Decimal

import pytest

from countyhub.crossborder import documents, services
from countyhub.crossborder.errors import CrossborderError, CrossborderErrorCode
from countyhub.crossborder.models import RateSource

from .setup import DAY, export_fields, ready, shop_order

pytestmark = pytest.mark.django_db


def _rates():
    for currency, rate in (("KWD", "23.2"), ("JPY", "0.048")):
        services.record_rate(
            actor=None, currency=currency, day=DAY, source=RateSource.PBOC, rate=Decimal(rate)
        )


def test_kwd_has_three_decimals_everywhere(world, client):
    made = ready(world)
    _rates()
    export = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product, quantity="3", unit_price="100.00"),
        **export_fields(made, currency="KWD", destination="KW", pod="KWI"),
    )
    (line,) = export.lines.all()
    # 100 / 23.2 = 4.31034… → 4.310 (half up at the fils); × 3 = 12.930
    assert (line.unit_price, line.line_total) == (Decimal("4.310"), Decimal("12.930"))
    invoice = documents.invoice_data(export)
    assert [(str(x["unit_price"]), str(x["amount"])) for x in invoice["lines"]] == [
        ("4.310", "12.930")
    ]
    # CIF: 12.930 + freight 12.500 + insurance 1.000
    assert (str(invoice["freight"]), str(invoice["total"])) == ("12.500", "26.430")
    assert documents.totals_problems(export) == []
    client.force_login(world.users["seller_staff"])
    page = client.get(f"/c/{world.county.slug}/exports/{export.pk}/").content.decode()
    assert "<td>4.310</td><td>12.930</td>" in page
    data = json.loads(
        client.get(f"/c/{world.county.slug}/exports/{export.pk}/invoice.json").content
    )
    assert (data["lines"][0]["unit_price"], data["total"]) == ("4.310", "26.430")


def test_jpy_has_no_decimals_and_a_fractional_fee_is_refused(world, client):
    made = ready(world)
    _rates()
    with pytest.raises(CrossborderError) as caught:
        services.create_export_order(
            actor=None,
            order=shop_order(world.seller, world.product),
            **export_fields(made, currency="JPY", destination="JP", pod="TYO"),
        )
    assert caught.value.code is CrossborderErrorCode.DECLARATION_INVALID
    assert caught.value.field == "freight"
    assert "freight 12.5 JPY has more decimals than the 0 of JPY" in caught.value.message
    export = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product, quantity="3", unit_price="100.00"),
        **export_fields(
            made,
            currency="JPY",
            destination="JP",
            pod="TYO",
            freight=Decimal("1250"),
            insured_fee=Decimal("100"),
        ),
    )
    (line,) = export.lines.all()
    # 100 / 0.048 = 2083.33… → 2083; × 3 = 6249
    assert (line.unit_price, line.line_total) == (Decimal("2083"), Decimal("6249"))
    invoice = documents.invoice_data(export)
    assert (str(invoice["lines"][0]["unit_price"]), str(invoice["total"])) == ("2083", "7599")
    client.force_login(world.users["seller_staff"])
    data = json.loads(
        client.get(f"/c/{world.county.slug}/exports/{export.pk}/invoice.json").content
    )
    # Never an exponent (Decimal("2.1E+3")), never a fraction of a yen.
    assert (data["lines"][0]["unit_price"], data["subtotal"], data["total"]) == (
        "2083",
        "6249",
        "7599",
    )
