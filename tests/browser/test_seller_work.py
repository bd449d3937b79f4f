"""A seller on a 390-px phone finds a shipped order, changes a price in place and reads the sales
report, in English and Chinese (issue 11)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from countyhub.shop.models import OrderLine, OrderStatus
from tests.browser.test_buyer_and_seller import log_in
from tests.factories.programs import make_order

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {"language": "English", "search": "Search", "save": "Save", "saved": "Saved."},
    "zh-hans": {"language": "简体中文", "search": "搜索", "save": "保存", "saved": "已保存。"},
}


def fits_the_phone(page) -> bool:
    # After a click that navigates, the new document may not have its root element yet.
    page.wait_for_load_state()
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_seller_finds_edits_and_reports_on_a_phone(
    world, live_server, browser, screenshots, language
):
    text = TEXT[language]
    shipped = make_order(
        world.seller,
        day=timezone.localdate() - datetime.timedelta(days=3),
        status=OrderStatus.SHIPPED,
    )
    OrderLine.objects.create(
        order=shipped,
        product=world.product,
        product_name="高山苹果",
        unit=world.product.unit,
        quantity=Decimal(2),
        unit_price=Decimal(50),
        line_total=Decimal(100),
    )
    make_order(world.seller, day=timezone.localdate(), status=OrderStatus.COMPLETED)
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/c/{world.county.slug}/")
    page.get_by_role("button", name=text["language"]).click()
    log_in(page, live_server, "seller_staff-user")

    page.goto(f"{live_server.url}/seller/orders/")
    page.fill("#id_q", "高山")
    page.get_by_role("button", name=text["search"]).click()
    page.wait_for_selector(f"#order-{shipped.number}")
    assert page.locator("tbody tr").count() == 1
    assert fits_the_phone(page)
    screenshots(page, "orders-search")

    page.goto(f"{live_server.url}/seller/")
    row = page.locator(f"#product-{world.product.pk}")
    row.locator("input[name=price]").fill("42.50")
    row.get_by_role("button", name=text["save"]).click()
    page.wait_for_selector(f"#product-{world.product.pk} .saved")
    assert text["saved"] in page.locator(f"#product-{world.product.pk}").inner_text()
    world.product.refresh_from_db()
    assert world.product.price == Decimal("42.50")
    assert fits_the_phone(page)
    screenshots(page, "dashboard-edited")

    page.goto(f"{live_server.url}/seller/sales/")
    assert page.locator("svg g.bar").count() == 12
    assert "高山苹果" in page.locator("table.sales").inner_text()
    assert fits_the_phone(page)
    screenshots(page, "sales-report")
