from decimal import Decimal

from countyhub.channels.models import Channel, ChannelKind, ListingStatus
from countyhub.crossborder import declarations, documents
from countyhub.crossborder.models import ExportOrder, ProductTradeData
from countyhub.crossborder.selectors import trade_data_gaps
from countyhub.customs import messages


def test_demo_has_two_export_orders_with_messages_documents_and_history(demo_county, db):
    exports = list(ExportOrder.objects.filter(county=demo_county).order_by("mode"))
    assert [export.mode for export in exports] == ["9610", "9710"]
    for export in exports:
        assert export.currency == "USD" and export.fx_rate > 0
        for xml in declarations.export_messages(export).values():
            assert messages.message_problems(xml) == []
        assert export.documents.count() == 2
        assert documents.totals_problems(export) == []
        assert export.statuses.count() == 3
    assert [export.status for export in exports] == [800, 399]


def test_demo_tea_honey_and_mushrooms_have_complete_trade_data(demo_county, db):
    datas = ProductTradeData.objects.filter(product__county=demo_county).select_related("product")
    assert datas.count() == 5
    for data in datas:
        assert trade_data_gaps(data.product, "US") == [], data.product.name
    # All five listed on the cross-border channel, priced in USD by its rule (ending .99).
    abroad = Channel.objects.get(county=demo_county, code="abroad-us")
    assert abroad.kind == ChannelKind.CROSSBORDER and abroad.destination == "US"
    listings = abroad.listings.filter(status=ListingStatus.LISTED)
    assert sorted(listing.product_id for listing in listings) == sorted(
        data.product_id for data in datas
    )
    assert all(listing.price % 1 == Decimal("0.99") for listing in listings)
