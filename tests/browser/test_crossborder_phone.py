"""On a 390-px phone: a seller completes a product's trade data (the page says what is missing)
and, for an export order, downloads the invoice, the packing list and the four customs messages.
It lists the product on the county's cross-border channel (USD, to the United States) through
the listing form. English and Chinese. Screenshots go to test-artifacts/."""

from pathlib import Path

import pytest

from countyhub.channels.models import Channel, ChannelKind, Listing, ListingStatus, Platform
from countyhub.crossborder import services
from countyhub.crossborder.models import ProductTradeData
from countyhub.customs import messages
from tests.crossborder.setup import (
    COOPERATIVE_USCC,
    compliance,
    export_fields,
    hs_table,
    parties,
    shop_order,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TEXT = {
    "en": {"language": "English", "missing": "Trade data is missing", "ok": "Nothing:"},
    "zh-hans": {"language": "简体中文", "missing": "缺少贸易数据", "ok": "不缺"},
}
DOWNLOADS = [
    "invoice.pdf",
    "packing-list.pdf",
    "CEB303Message.xml",
    "CEB403Message.xml",
    "CEB505Message.xml",
    "CEB603Message.xml",
]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_seller_completes_trade_data_and_downloads_export_files_on_a_phone(
    world, live_server, browser, screenshots, language
):
    from decimal import Decimal

    from countyhub.crossborder.models import RateSource
    from tests.crossborder.setup import DAY, RATE

    hs_table()
    made = parties(world.county, world.seller)
    compliance(made["producer"])
    services.record_rate(actor=None, currency="USD", day=DAY, source=RateSource.PBOC, rate=RATE)

    page = browser.new_context(**PHONE, accept_downloads=True).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name=TEXT[language]["language"]).click()
    page.fill("#id_username", "seller_staff-user")
    page.fill("#id_password", "pass-word-123")
    page.click("#login")
    form = (
        f"{live_server.url}/c/{world.county.slug}/exports/products/{world.product.pk}/trade-data/"
    )
    page.goto(form)
    assert TEXT[language]["missing"] in page.inner_text("#gaps")
    assert fits(page)
    screenshots(page, "trade-data-missing")
    for field, value in {
        "hs_code": "0902.1090.00",
        "declared_name_zh": "高山绿茶",
        "declared_name_en": "Alpine green tea",
        "gmodel": "0|0|绿茶|250克/袋|无品牌",
        "net_weight": "1",
        "gross_weight": "1.2",
        "length_cm": "20",
        "width_cm": "10",
        "height_cm": "10",
        "producer_code": COOPERATIVE_USCC,
    }.items():
        page.fill(f"#id_{field}", value)
    page.select_option("#id_customs_unit", "035")
    page.click("#save-trade-data")
    page.wait_for_selector("#gaps")
    assert TEXT[language]["ok"] in page.inner_text("#gaps")
    assert ProductTradeData.objects.get(product=world.product).hs_code == "0902109000"
    assert fits(page)
    screenshots(page, "trade-data-complete")

    abroad = Channel.objects.create(
        county=world.county,
        code="abroad-us",
        name="Abroad US",
        kind=ChannelKind.CROSSBORDER,
        platform=Platform.OTHER,
        currency="USD",
        destination="US",
    )
    page.goto(
        f"{live_server.url}/c/{world.county.slug}/channels/{abroad.code}/listings/{world.product.pk}/"
    )
    page.fill("#id_price", "14.99")
    page.select_option("#id_status", "listed")
    assert fits(page)
    page.locator("#listing-form button").click()
    page.wait_for_selector("#product-listings")
    listing = Listing.objects.get(channel=abroad, product=world.product)
    assert (listing.status, listing.price) == (ListingStatus.LISTED, Decimal("14.99"))
    assert fits(page)
    screenshots(page, "listed-abroad")

    export = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product, unit_price="100.00"),
        **export_fields(made),
    )
    services.issue_documents(actor=None, export=export, issued_on=DAY)
    page.goto(f"{live_server.url}/c/{world.county.slug}/exports/{export.pk}/")
    assert fits(page)
    screenshots(page, "export-order")
    assert "14.04" in page.inner_text("#lines")
    for name in DOWNLOADS:
        with page.expect_download() as caught:
            page.get_by_role("link", name=name, exact=True).click()
        content = Path(caught.value.path()).read_bytes()
        if name.endswith(".xml"):
            assert messages.message_problems(content) == [], name
        else:
            assert content.startswith(b"%PDF")
    assert export.lines.get().line_total == Decimal("42.12")
