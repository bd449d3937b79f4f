"""A buyer finds, buys and follows an order; the seller packs and ships it. English and Chinese."""

import re

import pytest

from countyhub.shop.models import Order, OrderStatus

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {
        "language": "English",
        "add": "Add to cart",
        "checkout": "Check out",
        "place": "Place order",
        "placed": "placed",
        "pack": "Mark packed",
        "ship": "Ship",
        "shipped": "shipped",
        "station": "pick up at a village service station",
    },
    "zh-hans": {
        "language": "简体中文",
        "add": "加入购物车",
        "checkout": "去结算",
        "place": "提交订单",
        "placed": "已下单",
        "pack": "标记为已打包",
        "ship": "发货",
        "shipped": "已发货",
        "station": "到村级服务站自提",
    },
}


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-word-123")
    page.click("#login")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_buyer_buys_and_seller_ships(world, live_server, browser, screenshots, language):
    text = TEXT[language]
    product = world.product
    buyer_page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    buyer_page.goto(f"{live_server.url}/c/{world.county.slug}/")
    buyer_page.get_by_role("button", name=text["language"]).click()
    screenshots(buyer_page, "home")

    log_in(buyer_page, live_server, "buyer-user")
    buyer_page.goto(f"{live_server.url}/c/{world.county.slug}/products/")
    buyer_page.fill("#q", product.name_en)
    buyer_page.wait_for_selector(
        f"#results a:has-text('{product.name if language != 'en' else product.name_en}')"
    )
    screenshots(buyer_page, "search")
    buyer_page.locator("#results a").first.click()
    screenshots(buyer_page, "product")

    buyer_page.fill("#quantity", "2")
    buyer_page.get_by_role("button", name=text["add"]).click()
    buyer_page.wait_for_selector("#cart-count:has-text('1')")
    buyer_page.goto(f"{live_server.url}/c/{world.county.slug}/cart/")
    screenshots(buyer_page, "cart")
    buyer_page.get_by_role("link", name=text["checkout"]).click()

    buyer_page.get_by_label(text["station"]).check()
    buyer_page.select_option("#id_station", str(world.station.pk))
    buyer_page.fill("#id_recipient_name", "王芳")
    buyer_page.fill("#id_phone", "13800000000")
    screenshots(buyer_page, "checkout")
    buyer_page.get_by_role("button", name=text["place"]).click()
    buyer_page.wait_for_url(re.compile(r"/orders/[\w-]+/$"))
    assert buyer_page.locator("#order-status").inner_text() == text["placed"]
    screenshots(buyer_page, "order-placed")
    order = Order.objects.get(buyer=world.users["buyer"])
    assert order.station == world.station

    seller_page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    seller_page.goto(f"{live_server.url}/c/{world.county.slug}/")
    seller_page.get_by_role("button", name=text["language"]).click()
    log_in(seller_page, live_server, "seller_staff-user")
    seller_page.goto(f"{live_server.url}/seller/")
    screenshots(seller_page, "seller-dashboard")
    row = seller_page.locator(f"#order-{order.number}")
    row.get_by_role("button", name=text["pack"]).click()
    row = seller_page.locator(f"#order-{order.number}")
    row.locator("input[name=carrier]").fill("中国邮政")
    row.locator("input[name=tracking_number]").fill("YZ2024001")
    screenshots(seller_page, "seller-ship")
    row.get_by_role("button", name=text["ship"]).click()
    seller_page.wait_for_load_state()
    screenshots(seller_page, "seller-after-ship")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED

    buyer_page.reload()
    assert buyer_page.locator("#order-status").inner_text() == text["shipped"]
    assert "YZ2024001" in buyer_page.locator("#shipment").inner_text()
    screenshots(buyer_page, "order-shipped")
