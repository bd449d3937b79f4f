"""On a phone, the station operator orders for a villager (代购) and later hands the parcel over."""

import re

import pytest

from countyhub.shop import services
from countyhub.shop.models import Order, OrderStatus, PaymentStatus
from tests.browser.test_buyer_and_seller import log_in
from tests.factories.catalog import HouseholdFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_operator_orders_for_a_villager_and_hands_the_parcel_over(
    world, live_server, browser, screenshots
):
    product = world.product
    household = HouseholdFactory(
        county=world.county, village=world.station.village, head_name="李德明"
    )
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server, "station_operator-user")
    page.goto(f"{live_server.url}/station/")
    screenshots(page, "station")
    page.click(f"#order-for-villager-{world.station.pk}")
    page.wait_for_url(re.compile(rf"/station/{world.station.pk}/order/$"))

    page.fill("#q", product.name_en)
    page.click("#search-products")
    screenshots(page, "search")
    page.click(f"#add-{product.pk}")
    page.fill(f"#quantity-{product.pk}", "25")
    page.fill("#id_villager_name", "李德明")
    page.fill("#household_q", "李德")
    page.click("#find-household")
    page.check(f"#households input[value='{household.pk}']")
    screenshots(page, "order-filled")

    # No phone yet: the phone keyboard's form refuses to send it, nothing is lost.
    page.click("#place-order")
    assert page.eval_on_selector("#id_villager_phone", "e => e.validity.valueMissing")
    assert Order.objects.count() == 0

    # More than the stock: the server names the line and keeps everything typed.
    page.fill("#id_villager_phone", "13907319999")
    page.click("#place-order")
    page.wait_for_selector(f"#line-{product.pk} .errorlist")
    assert "20" in page.locator(f"#line-{product.pk} .errorlist").inner_text()
    assert page.input_value(f"#quantity-{product.pk}") == "25"
    assert page.input_value("#id_villager_name") == "李德明"
    assert page.input_value("#id_villager_phone") == "13907319999"
    assert page.is_checked(f"#households input[value='{household.pk}']")
    screenshots(page, "shortage")

    page.fill(f"#quantity-{product.pk}", "3")
    page.click("#place-order")
    page.wait_for_url(re.compile(r"/station/$"))
    order = Order.objects.get()
    assert (order.placed_for_name, order.placed_for_household) == ("李德明", household)
    villager_row = page.locator(f"#villager-order-{order.number}")
    assert "李德明 13907319999" in villager_row.inner_text()
    assert order.pickup_code in villager_row.inner_text()
    screenshots(page, "order-placed")
    villager_row.get_by_role("link", name="Print slip").click()
    page.wait_for_url(re.compile(rf"/station/parcels/{order.number}/slip/$"))
    assert page.locator("#slip-code").inner_text() == order.pickup_code
    screenshots(page, "slip")
    page.go_back()

    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="中国邮政", tracking_number="YZ1"
    )
    page.reload()
    page.locator(f"#order-{order.number} button.receive").click()
    page.wait_for_selector(f"#order-{order.number} form.hand-over")
    screenshots(page, "parcel-arrived")
    # The villager brings the printed slip with the pickup code.
    page.fill(f"#code-{order.pk}", order.pickup_code)
    page.locator(f"#order-{order.number} button.hand-over").click()
    page.wait_for_selector(f"#order-{order.number}", state="detached")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.payment.status == PaymentStatus.RECEIVED
    screenshots(page, "handed-over")
