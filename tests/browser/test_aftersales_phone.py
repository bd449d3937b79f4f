"""On a 390-px phone: a buyer who paid by bank transfer asks for a refund of one line with a
photo, the seller asks for the goods back and receives them, county staff record the refund, and
the buyer's order shows it. English and Chinese. Screenshots go to test-artifacts/."""

from decimal import Decimal

import pytest
from PIL import Image

from countyhub.aftersales.models import AfterSaleRequest, RequestStatus
from countyhub.catalog.models import Stock
from tests.aftersales.conftest import line_of, place_paid
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TEXT = {
    "en": {"language": "English", "refunded": "refunded"},
    "zh-hans": {"language": "简体中文", "refunded": "已退款"},
}


def log_in(page, live_server, username, language):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name=TEXT[language]["language"]).click()
    page.fill("#id_username", username)
    page.fill("#id_password", "pass-word-123")
    page.click("#login")


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_refund_of_one_line_with_a_photo_on_a_phone(
    world, live_server, browser, screenshots, settings, tmp_path, language
):
    settings.MEDIA_ROOT = tmp_path / "media"
    pears = ProductFactory(
        county=world.county, seller=world.seller, stock=20, price=Decimal("12.50"), unit="kg"
    )
    order = place_paid(world, pears)
    picture = tmp_path / "broken.jpg"
    Image.new("RGB", (640, 480), (180, 60, 40)).save(picture, format="JPEG")

    buyer = browser.new_context(**PHONE).new_page()
    log_in(buyer, live_server, "buyer-user", language)
    buyer.goto(f"{live_server.url}/orders/{order.number}/")
    buyer.click("#ask-refund")
    pear_line = line_of(order, pears)
    buyer.fill(f"#id_line_{pear_line.pk}", "2")
    buyer.check("#id_kind_1")  # return the goods and refund
    buyer.check("#id_goods_received_0")  # yes
    buyer.select_option("#id_reason", "damaged")
    buyer.fill("#id_description", "两袋压坏了")
    buyer.set_input_files("#id_photos", str(picture))
    assert fits(buyer)
    screenshots(buyer, "request-form")
    buyer.click("#send-request")
    buyer.wait_for_selector("#aftersale-status")
    assert "¥25.00" in buyer.inner_text("#aftersale-amount")
    request = AfterSaleRequest.objects.get()
    assert request.photos.count() == 1

    seller = browser.new_context(**PHONE).new_page()
    log_in(seller, live_server, "seller_staff-user", language)
    seller.goto(f"{live_server.url}/aftersales/{request.pk}/")
    assert fits(seller)
    screenshots(seller, "seller-answers")
    seller.fill("#id_address", "青山县农产品仓储中心 3 号库")
    seller.click("#ask-return")
    seller.wait_for_selector("#return-address")

    buyer.goto(f"{live_server.url}/aftersales/{request.pk}/")
    buyer.fill("#id_carrier", "中通快递")
    buyer.fill("#id_tracking_number", "ZT7788")
    buyer.click("#ship-return")
    buyer.wait_for_selector("text=ZT7788")

    seller.goto(f"{live_server.url}/aftersales/{request.pk}/")
    seller.click("#receive-return")
    seller.wait_for_selector("#receive-return", state="detached")
    assert Stock.objects.get(product=pears).quantity == 19

    staff = browser.new_context(**PHONE).new_page()
    log_in(staff, live_server, "county_admin-user", language)
    staff.goto(f"{live_server.url}/aftersales/{request.pk}/")
    staff.fill("#id_reference", "BK-2026-42")
    assert fits(staff)
    screenshots(staff, "staff-records-refund")
    staff.click("#pay-refund")
    staff.wait_for_selector("#refund-paid")

    request.refresh_from_db()
    assert request.status == RequestStatus.REFUNDED
    buyer.goto(f"{live_server.url}/orders/{order.number}/")
    assert "¥25.00" in buyer.inner_text("#refunded-total")
    assert TEXT[language]["refunded"] in buyer.inner_text("#order-aftersales")
    assert fits(buyer)
    screenshots(buyer, "order-refunded")
