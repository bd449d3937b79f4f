"""On phones: a buyer orders from two sellers to a village station and gets a pickup code for
each parcel; the station's operator receives them, hands them over against the codes (a wrong
code is refused), takes the cash and closes the day with its printable sheet."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from countyhub.shop import services
from countyhub.shop.models import Order, OrderStatus, PaymentStatus, StationDay
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.browser.test_buyer_and_seller import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


def fits_the_phone(page):
    """Nothing sticks out sideways on a 390-px screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_buyer_orders_from_two_sellers_and_the_operator_hands_over_and_closes_the_day(
    world, live_server, browser, screenshots
):
    county = world.county.slug
    buyer = browser.new_context(viewport=PHONE).new_page()
    log_in(buyer, live_server, "buyer-user")
    for count, product in enumerate((world.product, world.other_product), start=1):
        buyer.goto(f"{live_server.url}/c/{county}/p/{product.pk}/")
        buyer.fill("#quantity", "1")
        buyer.get_by_role("button", name="Add to cart").click()
        buyer.wait_for_selector(f"#cart-count:has-text('{count}')")
    buyer.goto(f"{live_server.url}/c/{county}/cart/")
    buyer.get_by_role("link", name="Check out").click()
    buyer.get_by_label("pick up at a village service station").check()
    buyer.select_option("#id_station", str(world.station.pk))
    buyer.fill("#id_recipient_name", "王芳")
    buyer.fill("#id_phone", "13800000000")
    buyer.get_by_role("button", name="Place order").click()
    buyer.wait_for_url(re.compile(r"/checkouts/\d+/$"))
    orders = list(Order.objects.filter(buyer=world.users["buyer"]).order_by("pk"))
    assert len(orders) == 2 and {o.seller for o in orders} == {world.seller, world.other_seller}
    codes = buyer.locator("#placed-orders .pickup-code strong").all_inner_texts()
    assert codes == [order.pickup_code for order in orders]
    fits_the_phone(buyer)
    screenshots(buyer, "pickup-codes")
    buyer.goto(f"{live_server.url}/orders/{orders[0].number}/")
    assert orders[0].pickup_code in buyer.locator("#pickup-code").inner_text()

    # Each seller ships to the station; neither can mark it delivered any more.
    services.ship_order(
        order=orders[0],
        actor=world.users["seller_staff"],
        carrier="县域共同配送",
        tracking_number="1",
    )
    services.ship_order(
        order=orders[1],
        actor=world.users["other_seller_staff"],
        carrier="县域共同配送",
        tracking_number="2",
    )

    operator = browser.new_context(viewport=PHONE).new_page()
    log_in(operator, live_server, "station_operator-user")
    operator.goto(f"{live_server.url}/station/")
    for order in orders:
        operator.locator(f"#order-{order.number} button.receive").click()
        operator.wait_for_selector(f"#order-{order.number} form.hand-over")
    fits_the_phone(operator)
    screenshots(operator, "ready-for-pickup")

    first, second = orders
    card = operator.locator(f"#order-{first.number}")
    wrong = f"{(int(first.pickup_code) + 1) % 1_000_000:06d}"
    card.locator("input[name=code]").fill(wrong)
    card.locator("button.hand-over").click()
    operator.wait_for_selector(f"#order-{first.number} .errorlist")
    assert "Wrong pickup code" in operator.locator(f"#order-{first.number} .errorlist").inner_text()
    screenshots(operator, "wrong-code")
    card = operator.locator(f"#order-{first.number}")
    card.locator("input[name=code]").fill(first.pickup_code)
    card.locator("button.hand-over").click()
    operator.wait_for_selector(f"#order-{first.number}", state="detached")

    # The second buyer pays a yuan short; the operator says why.
    card = operator.locator(f"#order-{second.number}")
    card.locator("input[name=code]").fill(second.pickup_code)
    card.locator("input[name=cash_collected]").fill(str(second.total - 1))
    card.locator("input[name=difference_reason]").fill("少一元零钱，明天补")
    card.locator("button.hand-over").click()
    operator.wait_for_selector(f"#order-{second.number}", state="detached")
    for order in orders:
        order.refresh_from_db()
        assert order.status == OrderStatus.DELIVERED
        assert order.payment.status == PaymentStatus.RECEIVED
    collected = first.total + second.total - 1

    operator.click(f"#station-day-{world.station.pk}")
    operator.wait_for_url(re.compile(rf"/station/{world.station.pk}/day/$"))
    assert operator.locator("#received").inner_text() == "2"
    assert operator.locator("#handed-over").inner_text() == "2"
    assert operator.input_value("#id_cash_counted") == str(collected)
    fits_the_phone(operator)
    screenshots(operator, "day")
    operator.click("#close-day-button")
    operator.wait_for_url(re.compile(r"/station/days/\d+/$"))
    closed = StationDay.objects.get()
    assert (closed.received, closed.handed_over, closed.cash_counted) == (2, 2, collected)
    assert closed.cash_due - closed.cash_collected == Decimal("1.00")
    assert "少一元零钱，明天补" in operator.locator("main").inner_text()
    fits_the_phone(operator)
    screenshots(operator, "day-sheet")
    # The printed sheet is the sheet alone: no site header, no buttons.
    operator.emulate_media(media="print")
    assert not operator.locator("header.top").is_visible()
    assert not operator.get_by_role("button", name="Print").is_visible()


def test_the_station_desk_pages_fit_a_phone_in_chinese(world, live_server, browser, screenshots):
    operator = world.users["station_operator"]
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "13800000000"),
    ).orders[0]
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
    )
    services.receive_at_station(order=order, actor=operator)
    assisted = services.place_assisted_order(
        operator=operator,
        station=world.station,
        villager_name="李大爷",
        villager_phone="13900001111",
        lines=[LineRequest(world.other_product.pk, "1")],
    ).orders[0]
    closed = services.close_station_day(
        station=world.station, day=timezone.localdate(), actor=operator, cash_counted="0"
    )
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{live_server.url}/c/{world.county.slug}/")
    page.get_by_role("button", name="简体中文").click()
    log_in(page, live_server, "station_operator-user")
    for name, path, text in (
        ("dashboard", "/station/", "交付"),
        ("day", f"/station/{world.station.pk}/day/", "更正已结账的日结"),
        ("sheet", f"/station/days/{closed.pk}/", "服务站日结单"),
        ("slip", f"/station/parcels/{assisted.number}/slip/", "取件单"),
    ):
        page.goto(f"{live_server.url}{path}")
        assert text in page.locator("main").inner_text(), name
        fits_the_phone(page)
        screenshots(page, name)
