"""On a phone, a seller's staff member opens their notification choices from the header, turns
text messages off for new orders and gives a phone, in Chinese and in English."""

import pytest

from countyhub.notifications.models import Channel, Kind, NotificationContact
from countyhub.notifications.services import chosen
from tests.browser.test_buyer_and_seller import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = {
    "en": {"language": "English", "link": "Notifications", "save": "Save", "saved": "saved"},
    "zh-hans": {"language": "简体中文", "link": "消息通知", "save": "保存", "saved": "已保存"},
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_seller_staff_choose_their_notifications_on_a_phone(
    world, live_server, browser, screenshots, language
):
    text = TEXT[language]
    staff = world.users["seller_staff"]
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in(page, live_server, staff.username)
    page.goto(f"{live_server.url}/orders/")
    page.get_by_role("button", name=text["language"]).click()
    page.get_by_role("link", name=text["link"]).click()
    page.wait_for_selector("#notification-preferences")
    screenshots(page, "preferences")
    # Nothing wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.uncheck("#id_seller_new_order__sms")
    page.fill("#id_phone", "13800000007")
    page.get_by_role("button", name=text["save"]).click()
    page.wait_for_selector(f".messages li:has-text('{text['saved']}')")
    screenshots(page, "saved")
    assert chosen(staff, Kind.SELLER_NEW_ORDER) == {Channel.EMAIL: True, Channel.SMS: False}
    assert NotificationContact.objects.get(user=staff).phone == "13800000007"
    assert not page.is_checked("#id_seller_new_order__sms")
    assert page.is_checked("#id_seller_new_order__email")
