"""A seller on a 390-px phone exports the Taobao feed, imports an order file with one bad row,
sees the row named, fixes the file, imports it again and sees the stock and the orders; in
English and Chinese (issue 16)."""

import csv
import io

import pytest

from countyhub.catalog.models import ProductImage
from countyhub.channels.models import Channel, ChannelOrder, Listing, ListingStatus
from tests.browser.test_buyer_and_seller import log_in
from tests.browser.test_seller_work import fits_the_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {
        "language": "English",
        "import": "Import",
        "imported": "2 orders imported",
        "row": "row 3, ",
    },
    "zh-hans": {
        "language": "简体中文",
        "import": "导入",
        "imported": "已导入 2 个订单",
        "row": "第 3 行，",
    },
}


def order_file(sku):
    text = f"订单编号,商家编码,购买数量\r\n3712456789012345678,A-1,1\r\n3712456789012345679,{sku},2\r\n"
    return {"name": "ExportOrderList.csv", "mimeType": "text/csv", "buffer": text.encode("gbk")}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_seller_exports_a_feed_and_imports_orders_on_a_phone(
    world, live_server, browser, screenshots, language
):
    text = TEXT[language]
    product = world.product
    product.seller_sku, product.description = "A-1", "高山云雾茶"
    product.save(update_fields=["seller_sku", "description"])
    ProductImage.objects.create(
        product=product, image="products/a.jpg", thumbnail="products/t.jpg", gallery="g.jpg"
    )
    channel = Channel.objects.create(
        county=world.county, code="taobao", name="淘宝特色馆", kind="marketplace", platform="taobao"
    )
    Listing.objects.create(
        channel=channel, product=product, price=30, stock_buffer=2, status=ListingStatus.LISTED
    )
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/c/{world.county.slug}/")
    page.get_by_role("button", name=text["language"]).click()
    log_in(page, live_server, "seller_staff-user")
    page.goto(f"{live_server.url}/c/{world.county.slug}/channels/")
    page.get_by_role("link", name="淘宝特色馆").click()
    page.wait_for_url(f"**/channels/{channel.code}/")
    assert fits_the_phone(page)
    screenshots(page, "channel")

    with page.expect_download() as download:
        page.locator("a[href$='/feed/taobao/']").click()
    lines = list(csv.reader(io.StringIO(download.value.path().read_bytes().decode("gbk"))))
    assert lines[0] == ["version 1.00"] and lines[3][0] == product.name

    channel_url = page.url
    page.set_input_files("input[name=file]", order_file("A-X"))
    page.locator("#import-orders").get_by_role("button", name=text["import"]).click()
    # The import runs in the background; its page names the bad row once it has failed.
    bad = page.locator(".job-error")
    bad.wait_for()
    assert "A-X" in bad.inner_text() and text["row"] in bad.inner_text()
    assert not ChannelOrder.objects.exists()
    assert fits_the_phone(page)
    screenshots(page, "bad-row")

    page.goto(channel_url)
    page.set_input_files("input[name=file]", order_file("A-1"))
    page.locator("#import-orders").get_by_role("button", name=text["import"]).click()
    page.locator("#job-done").wait_for()
    assert text["imported"] in page.locator("#job-done").inner_text()
    page.locator("#job-next").click()
    page.wait_for_url(channel_url)
    # 20 in stock, 3 allocated, buffer 2: the channel may sell 15.
    assert "15" in page.locator("#channel-stock tbody tr").first.inner_text()
    assert "3712456789012345679" in page.locator("#channel-orders").inner_text()
    assert fits_the_phone(page)
    screenshots(page, "imported")
