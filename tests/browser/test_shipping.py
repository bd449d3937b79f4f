"""On a phone, in English and Chinese: a seller sets a home delivery rate, and a buyer sees the
fee at checkout change with the delivery chosen, and pays the fee shown."""

import re
from decimal import Decimal

import pytest

from countyhub.shop.models import Order, ShippingRate
from tests.browser.test_buyer_and_seller import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {
        "language": "English",
        "save": "Save",
        "place": "Place order",
        "home": "delivery to home",
    },
    "zh-hans": {"language": "简体中文", "save": "保存", "place": "提交订单", "home": "送货上门"},
}


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_seller_sets_a_rate_and_the_buyer_pays_it(
    world, live_server, browser, screenshots, language
):
    text = TEXT[language]
    phone = {"viewport": {"width": 390, "height": 844}}
    seller_page = browser.new_context(**phone).new_page()
    seller_page.goto(f"{live_server.url}/c/{world.county.slug}/")
    seller_page.get_by_role("button", name=text["language"]).click()
    log_in(seller_page, live_server, "seller_staff-user")
    seller_page.goto(f"{live_server.url}/seller/")
    seller_page.click("#shipping-rates-link")
    seller_page.select_option("#id_delivery_method", "home")
    seller_page.fill("#id_region_code", "52")
    seller_page.fill("#id_first_fee", "8.00")
    seller_page.fill("#id_additional_fee", "3.00")
    seller_page.get_by_role("button", name=text["save"]).click()
    seller_page.wait_for_selector("#shipping-rates tbody tr[id^=rate-]")
    assert no_sideways_scroll(seller_page)
    screenshots(seller_page, "shipping-rates")
    assert ShippingRate.objects.get().first_fee == Decimal("8.00")

    buyer_page = browser.new_context(**phone).new_page()
    buyer_page.goto(f"{live_server.url}/c/{world.county.slug}/")
    buyer_page.get_by_role("button", name=text["language"]).click()
    log_in(buyer_page, live_server, "buyer-user")
    buyer_page.goto(f"{live_server.url}/c/{world.county.slug}/p/{world.product.pk}/")
    buyer_page.fill("#quantity", "2")
    buyer_page.click("#add-to-cart")
    buyer_page.wait_for_selector("#cart-count:has-text('1')")
    buyer_page.goto(f"{live_server.url}/c/{world.county.slug}/checkout/")
    buyer_page.get_by_role("radio", name=text["home"]).check()
    buyer_page.fill("#id_recipient_name", "王芳")
    buyer_page.fill("#id_phone", "13800000000")
    buyer_page.fill("#id_address", "贵阳市观山湖区 1 号")
    buyer_page.select_option("#id_region_code", "52")
    # The page showed station pick-up (free); choosing home delivery to Guizhou re-quotes it.
    buyer_page.wait_for_selector("#grand-total:has-text('58.00')")
    assert buyer_page.locator("#shown-shipping-fee").input_value() == "8.00"
    assert no_sideways_scroll(buyer_page)
    screenshots(buyer_page, "checkout-shipping")
    buyer_page.get_by_role("button", name=text["place"]).click()
    buyer_page.wait_for_url(re.compile(r"/orders/[\w-]+/$"))
    assert "8.00" in buyer_page.locator("#shipping-fee").inner_text()
    order = Order.objects.get()
    assert (order.shipping_fee, order.total) == (Decimal("8.00"), Decimal("58.00"))
