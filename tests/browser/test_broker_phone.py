"""On a 390-px phone, in English and Chinese: a customs broker follows the header link to the
county's export declarations, uploads customs' CEB702 receipt to the summary application and
sees it on the order's page; a seller sees the channel sales that had no exchange rate in their
own currency (issues 16 and 17)."""

from decimal import Decimal

import pytest

from countyhub.channels.importing import DraftLine, OrderDraft
from countyhub.channels.models import Channel, ChannelKind, Listing, ListingStatus, Platform
from countyhub.channels.services import import_orders
from countyhub.crossborder import declarations, services
from tests.browser.test_crossborder_phone import PHONE, fits
from tests.crossborder.setup import export_fields, ready, shop_order
from tests.crossborder.test_summary_receipts import SUM_NO, ceb702, summary_return

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {"language": "English", "link": "Export declarations", "import": "Import"},
    "zh-hans": {"language": "简体中文", "link": "出口申报", "import": "导入"},
}


def _log_in(browser, live_server, username, language):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name=TEXT[language]["language"]).click()
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-word-123")
    page.click("#login")
    return page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_broker_imports_a_summary_receipt_on_a_phone(
    world, live_server, browser, screenshots, language, tmp_path
):
    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    cop_no = declarations.summary_window(export).cop_no
    receipt = tmp_path / "CEB702.xml"
    receipt.write_bytes(
        ceb702(
            summary_return(cop_no, export.ecommerce.code, 399, "20270103100000000", "审结", SUM_NO)
        )
    )
    page = _log_in(browser, live_server, "customs_broker-user", language)
    page.get_by_role("link", name=TEXT[language]["link"]).click()
    page.wait_for_selector("#exports")
    assert fits(page)
    assert page.locator("#export-kpis").count() == 0
    screenshots(page, "declarations")
    page.goto(f"{live_server.url}/c/{world.county.slug}/exports/receipts/")
    page.set_input_files("#id_file", str(receipt))
    page.click("#import-receipts")
    page.wait_for_load_state()
    assert fits(page)
    page.goto(f"{live_server.url}/c/{world.county.slug}/exports/{export.pk}/")
    summary = page.inner_text("#summary-application")
    assert cop_no in summary and SUM_NO in summary and "399" in summary
    assert page.locator("#status-form").count() == 0
    assert fits(page)
    screenshots(page, "summary-application")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_seller_sees_sales_without_a_rate_in_their_currency_on_a_phone(
    world, live_server, browser, screenshots, language
):
    channel = Channel.objects.create(
        county=world.county,
        code="abroad-us",
        name="Abroad",
        kind=ChannelKind.CROSSBORDER,
        platform=Platform.OTHER,
        currency="USD",
        destination="US",
    )
    Listing.objects.create(
        product=world.product, channel=channel, price=Decimal("10.00"), status=ListingStatus.LISTED
    )
    # No USD rate on the day: the order stays in dollars.
    import_orders(
        channel=channel,
        actor=None,
        drafts=[OrderDraft("US-1", [DraftLine(world.product, Decimal(2))])],
    )
    page = _log_in(browser, live_server, "seller_staff-user", language)
    page.goto(f"{live_server.url}/c/{world.county.slug}/channels/")
    table = page.inner_text("#other-currencies")
    assert "abroad-us" in table and "USD" in table and "20.00" in table
    assert fits(page)
    screenshots(page, "channels-other-currencies")
