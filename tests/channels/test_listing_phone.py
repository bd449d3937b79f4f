"""On a 390-px phone, in English and Chinese: a seller opens a product's listings from the
channel page, changes the listing in its form, and sees its sales by channel on the dashboard
(issue 16)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from countyhub.channels.models import ChannelOrder, Listing
from tests.browser.conftest import (  # noqa: F401  (the browser tests' fixtures)
    _allow_orm_beside_playwright,
    browser,
    screenshots,
)
from tests.browser.test_buyer_and_seller import log_in
from tests.browser.test_seller_work import fits_the_phone
from tests.factories.programs import make_order

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {"language": "English", "change": "Change", "save": "Save", "saved": "Listing saved."},
    "zh-hans": {
        "language": "简体中文",
        "change": "修改",
        "save": "保存",
        "saved": "渠道商品已保存。",
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_seller_changes_a_listing_and_sees_channel_sales_on_a_phone(
    world,
    channel,
    live_server,
    browser,  # noqa: F811  (the imported fixture)
    screenshots,  # noqa: F811
    language,
):
    text = TEXT[language]
    order = make_order(world.seller, day=timezone.localdate() - datetime.timedelta(days=2))
    order.lines.create(
        product=world.product,
        product_name=world.product.name,
        unit=world.product.unit,
        quantity=1,
        unit_price=Decimal("100.00"),
        line_total=Decimal("100.00"),
    )
    ChannelOrder.objects.create(
        channel=channel, external_id="3712456789012345678", order=order, imported_at=order.placed_at
    )
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/c/{world.county.slug}/")
    page.get_by_role("button", name=text["language"]).click()
    log_in(page, live_server, "seller_staff-user")
    page.goto(f"{live_server.url}/c/{world.county.slug}/channels/taobao/")
    assert fits_the_phone(page)
    page.locator("#channel-listings").get_by_role("link", name=world.product.name).click()
    page.locator("#product-listings").wait_for()
    assert fits_the_phone(page)
    screenshots(page, "product-listings")
    page.locator("#product-listings").get_by_role("link", name=text["change"]).click()
    page.fill("input[name=price]", "33.30")
    page.fill("input[name=title]", "高山云雾茶 250 克礼盒装（明前头采）")
    assert fits_the_phone(page)
    screenshots(page, "listing-form")
    page.locator("#listing-form").get_by_role("button", name=text["save"]).click()
    page.locator("#product-listings").wait_for()
    assert text["saved"] in page.content()
    assert Listing.objects.get(product=world.product).price == Decimal("33.30")

    page.goto(f"{live_server.url}/seller/")
    page.locator("#channel-sales").wait_for()
    assert "淘宝特色馆" in page.locator("#channel-sales-totals").inner_text()
    assert fits_the_phone(page)
    screenshots(page, "seller-dashboard")
