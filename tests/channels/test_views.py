"""The channel pages: import with the bad rows shown, fix and import again; feeds; stock file;
a seller sees only its own orders; outsiders find nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhub.channels.models import StockSync
from countyhub.shop.models import Order


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    # The pages answer in the language chosen; the messages are asserted in English.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page(world):
    return f"/c/{world.county.slug}/channels/taobao/"


def order_file(*rows):
    text = "订单编号,商家编码,购买数量\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in rows)
    return SimpleUploadedFile("ExportOrderList.csv", text.encode("gbk"), "text/csv")


def test_bad_rows_are_shown_then_the_fixed_file_imports(world, channel, client):
    client.force_login(world.users["seller_staff"])
    bad = client.post(page(world), {"file": order_file(("101", "A-1", "1"), ("102", "A-X", "1"))})
    html = bad.content.decode()
    assert bad.status_code == 200 and 'id="bad-rows"' in html and "A-X" in html
    assert Order.objects.count() == 0
    fixed = client.post(page(world), {"file": order_file(("101", "A-1", "1"), ("102", "A-1", "2"))})
    assert "2 orders imported, 0 imported before." in fixed.content.decode()
    shown = client.get(page(world)).content.decode()
    assert "101" in shown and "102" in shown


def test_another_seller_sees_neither_the_orders_nor_the_stock(world, channel, client):
    client.force_login(world.users["seller_staff"])
    client.post(page(world), {"file": order_file(("101", "A-1", "1"))})
    client.force_login(world.users["other_seller_staff"])
    html = client.get(page(world)).content.decode()
    assert "101" not in html and world.product.name not in html
    assert world.other_product.name in html


@pytest.mark.parametrize("who", ["buyer", "other_county_admin", "station_operator"])
def test_outsiders_find_no_channel(world, channel, client, who):
    client.force_login(world.users[who])
    assert client.get(page(world)).status_code == 404
    assert client.get(f"/c/{world.county.slug}/channels/").status_code == 404
    assert client.post(page(world) + "stock/").status_code == 404


def test_a_feed_missing_fields_names_them_and_a_complete_one_downloads(world, channel, client):
    client.force_login(world.users["seller_staff"])
    missing = client.get(page(world) + "feed/taobao/")
    assert missing.status_code == 409
    assert "新图片" in missing.content.decode()
    world.product.description = "描述"
    world.product.save(update_fields=["description"])
    from countyhub.channels.models import FeedTemplate

    FeedTemplate.objects.create(
        channel=channel,
        format="xlsx",
        columns=[{"header": "商家编码", "field": "seller_sku", "required": True}],
    )
    ok = client.get(page(world) + "feed/xlsx/")
    assert ok.status_code == 200 and ok["Content-Disposition"].endswith('.xlsx"')
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(ok.content)).active
    assert list(sheet.iter_rows(values_only=True)) == [("商家编码",), ("A-1",)]


def test_the_stock_file_is_recorded_as_a_sync(world, channel, client):
    client.force_login(world.users["seller_staff"])
    response = client.post(page(world) + "stock/")
    assert response.status_code == 200
    assert response.content.decode("utf-8-sig").splitlines()[1] == "A-1,,18"
    assert StockSync.objects.get().seller == world.seller
    assert "Last stock sync" in client.get(page(world)).content.decode()


def test_the_county_admin_overview_lists_the_channels(world, channel, client):
    client.force_login(world.users["county_admin"])
    html = client.get(f"/c/{world.county.slug}/channels/").content.decode()
    assert "淘宝特色馆" in html
