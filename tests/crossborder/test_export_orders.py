import datetime
from decimal import Decimal

import pytest

from countyhub.crossborder import declarations, selectors, services
from countyhub.crossborder.errors import CrossborderError, CrossborderErrorCode
from countyhub.crossborder.models import ExchangeRate, PartyRole, TradeParty
from countyhub.customs import messages

from .setup import DAY, export_fields, ready, shop_order

pytestmark = pytest.mark.django_db


def test_an_export_order_freezes_the_rate_and_converts_the_lines(world):
    made = ready(world)
    order = shop_order(world.seller, world.product, quantity="3", unit_price="100.00")
    export = services.create_export_order(actor=None, order=order, **export_fields(made))
    assert (export.fx_rate, export.fx_source, export.fx_date) == (Decimal("7.1234"), "pboc", DAY)
    (line,) = export.lines.all()
    # 100 / 7.1234 = 14.0382… → 14.04; × 3 = 42.12 (not 300 / 7.1234 = 42.11)
    assert (line.unit_price, line.line_total) == (Decimal("14.04"), Decimal("42.12"))
    assert (line.hs_code, line.net_weight, line.gross_weight) == ("0902109000", 3, Decimal("3.6"))
    assert (export.net_weight, export.gross_weight) == (3, Decimal("3.6"))
    # CIF: the invoice total is the goods plus freight and insurance.
    assert export.invoice_total == Decimal("42.12") + Decimal("12.50") + Decimal("1.00")
    # A later rate of the same day changes nothing on the order.
    ExchangeRate.objects.filter(currency="USD").update(rate=Decimal("8"))
    export.refresh_from_db()
    assert export.fx_rate == Decimal("7.1234")
    built = declarations.export_messages(export)
    assert sorted(built) == [
        "CEB303Message.xml",
        "CEB403Message.xml",
        "CEB505Message.xml",
        "CEB603Message.xml",
    ]
    for xml in built.values():
        assert messages.message_problems(xml) == []
    assert b"<ceb:currency>502</ceb:currency>" in built["CEB303Message.xml"]
    assert b"<ceb:netWeight>3</ceb:netWeight>" in built["CEB603Message.xml"]


def test_a_b2b_order_with_a_foreign_platform(world):
    made = ready(world)
    mall = services.save_party(
        actor=None,
        party=TradeParty(
            county=world.county,
            role=PartyRole.PLATFORM,
            code="无",
            name="Global Mall",
            is_foreign=True,
        ),
    )
    order = shop_order(world.seller, world.product, quantity="40")
    export = services.create_export_order(
        actor=None,
        order=order,
        **export_fields(made, mode="9710", platform=mall, incoterm="FOB", logistics_no="S1"),
    )
    assert (
        b"<ceb:orderType>B</ceb:orderType>"
        in declarations.export_messages(export)["CEB303Message.xml"]
    )
    assert export.invoice_total == export.goods_total  # FOB: no freight on the invoice
    # "无" is for 9710/9810 only.
    with pytest.raises(CrossborderError) as caught:
        services.create_export_order(
            actor=None,
            order=shop_order(world.seller, world.product),
            **export_fields(made, platform=mall, logistics_no="S2"),
        )
    assert caught.value.code is CrossborderErrorCode.DECLARATION_INVALID
    assert any("no_code_only_foreign_platform" in p for p in caught.value.problems)


def test_missing_rate_incomplete_trade_data_and_reused_waybill_are_refused(world):
    made = ready(world)
    with pytest.raises(CrossborderError) as caught:
        services.create_export_order(
            actor=None,
            order=shop_order(world.seller, world.product),
            **export_fields(made, currency="JPY"),
        )
    assert caught.value.code is CrossborderErrorCode.MISSING_RATE
    with pytest.raises(CrossborderError) as caught:
        services.create_export_order(
            actor=None,
            order=shop_order(world.other_seller, world.other_product),
            **export_fields(made),
        )
    assert caught.value.code is CrossborderErrorCode.TRADE_DATA_INCOMPLETE
    assert caught.value.problems == [
        f"{world.other_product.name}: Trade data is missing: HS code, declared names, weights, "
        "producer."
    ]
    services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    with pytest.raises(CrossborderError) as caught:
        services.create_export_order(
            actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
        )
    assert caught.value.code is CrossborderErrorCode.LOGISTICS_NO_REUSED


def test_status_history_entered_and_from_receipts(world):
    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    at = datetime.datetime(2026, 12, 7, 2, 0, tzinfo=datetime.UTC)
    services.record_status(actor=None, export=export, code=2, at=at)
    receipt = f"""<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB604Message guid="A2C4E6F8-0000-4000-8000-000000000001" version="1.0" xmlns:ceb="{messages.NS}">
  <ceb:InventoryReturn>
    <ceb:guid>A2C4E6F8-0000-4000-8000-000000000002</ceb:guid><ceb:agentCode>x</ceb:agentCode>
    <ceb:copNo>{export.cop_no}</ceb:copNo><ceb:preNo>B20261207000000001</ceb:preNo>
    <ceb:invtNo>86012026E000000001</ceb:invtNo><ceb:ebcCode>x</ceb:ebcCode><ceb:ebpCode>x</ceb:ebpCode>
    <ceb:orderNo>{export.external_order_no}</ceb:orderNo><ceb:statisticsFlag>B</ceb:statisticsFlag>
    <ceb:returnStatus>800</ceb:returnStatus><ceb:returnTime>20261208101500123</ceb:returnTime>
    <ceb:returnInfo>放行</ceb:returnInfo>
  </ceb:InventoryReturn>
  <ceb:InventoryReturn>
    <ceb:guid>A2C4E6F8-0000-4000-8000-000000000003</ceb:guid><ceb:agentCode>x</ceb:agentCode>
    <ceb:copNo>{export.cop_no}</ceb:copNo><ceb:preNo>B20261207000000001</ceb:preNo>
    <ceb:invtNo>86012026E000000001</ceb:invtNo><ceb:ebcCode>x</ceb:ebcCode><ceb:ebpCode>x</ceb:ebpCode>
    <ceb:orderNo>{export.external_order_no}</ceb:orderNo><ceb:statisticsFlag>B</ceb:statisticsFlag>
    <ceb:returnStatus>120</ceb:returnStatus><ceb:returnTime>20261208090000000</ceb:returnTime>
    <ceb:returnInfo>入库</ceb:returnInfo>
  </ceb:InventoryReturn>
</ceb:CEB604Message>""".encode()
    assert services.import_receipts(
        actor=None, county=world.county, xml=receipt, filename="r.xml"
    ) == services.ReceiptImport(added=2, already=0)
    export.refresh_from_db()
    assert [s.code for s in export.statuses.all()] == [2, 120, 800]
    assert export.status == 800  # the latest by time, whatever the order in the file
    assert export.invt_no == "86012026E000000001"
    assert [s.label for s in export.statuses.all()] == [
        "declaring",
        "accepted into customs",
        "released",
    ]
    with pytest.raises(Exception, match="not a receipt status code"):
        services.record_status(actor=None, export=export, code=7, at=at)
    services.record_status(actor=None, export=export, code=-1, at=at + datetime.timedelta(days=2))
    export.refresh_from_db()
    assert export.status == -1


def test_reports_by_destination_currency_mode_product_and_status(world):
    made = ready(world)
    services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    report = selectors.export_sales(world.county)
    assert report["currency"] == [
        {
            "key": ["USD"],
            "orders": 1,
            "quantity": 3,
            "amount": Decimal("42.12"),
            "cny": Decimal("300.04"),
            "poor_cny": Decimal(0),
            "poor_share": Decimal(0),
        }
    ]
    assert report["destination"][0]["key"] == ["US"] and report["mode"][0]["key"] == ["9610"]
    assert report["status"] == [{"key": ["0", "not declared yet"], "orders": 1}]


def test_status_history_and_documents_are_kept_for_good(world):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    from countyhub.core.errors import RecordKeptError
    from countyhub.crossborder.models import DeclarationStatus, ExportDocument

    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    services.record_status(
        actor=None, export=export, code=2, at=datetime.datetime(2026, 12, 7, tzinfo=datetime.UTC)
    )
    services.issue_documents(actor=None, export=export, issued_on=DAY)
    for model in (DeclarationStatus, ExportDocument):
        with pytest.raises(RecordKeptError):
            model.objects.all().delete()
        if connection.vendor == "postgresql":  # the trigger refuses whatever the path
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")


def test_an_order_placed_in_dollars_is_exported_as_sold_at_its_frozen_rate(world):
    """A cross-border channel's order is priced in its currency already: the export keeps the
    prices and the rate frozen on the order at placement, and refuses another currency."""
    import time_machine

    from countyhub.channels.importing import DraftLine, OrderDraft
    from countyhub.channels.models import Channel, ChannelKind, Listing, ListingStatus, Platform
    from countyhub.channels.services import import_orders
    from countyhub.shop.models import Order

    made = ready(world)  # 7.1234 CNY per USD on DAY
    abroad = Channel.objects.create(
        county=world.county,
        code="abroad-us",
        name="Abroad",
        kind=ChannelKind.CROSSBORDER,
        platform=Platform.OTHER,
        currency="USD",
        destination="US",
    )
    Listing.objects.create(
        product=world.product, channel=abroad, price=Decimal("14.99"), status=ListingStatus.LISTED
    )
    with time_machine.travel(datetime.datetime(2026, 12, 7, 4, tzinfo=datetime.UTC), tick=False):
        import_orders(
            channel=abroad,
            actor=None,
            drafts=[OrderDraft("US-9", [DraftLine(world.product, Decimal(3))])],
        )
    order = Order.objects.get(channel_order__external_id="US-9")
    assert (order.currency, order.fx_rate, order.fx_date) == ("USD", Decimal("7.1234"), DAY)
    ExchangeRate.objects.filter(currency="USD").update(rate=Decimal("8"))
    with pytest.raises(CrossborderError) as refused:
        services.create_export_order(
            actor=None, order=order, **export_fields(made, currency="EUR", logistics_no="YL9")
        )
    assert refused.value.field == "currency"
    export = services.create_export_order(
        actor=None, order=order, **export_fields(made, logistics_no="YL9")
    )
    assert (export.currency, export.fx_rate, export.fx_date) == ("USD", Decimal("7.1234"), DAY)
    (line,) = export.lines.all()
    # As sold: 14.99 USD × 3 = 44.97 USD (not 14.99 "yuan" / 7.1234 = 2.10).
    assert (line.unit_price, line.line_total) == (Decimal("14.99"), Decimal("44.97"))
    (row,) = selectors.export_sales(world.county)["currency"]
    assert row["cny"] == Decimal("320.34")  # 44.97 × 7.1234 = 320.339…
