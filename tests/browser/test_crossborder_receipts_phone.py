"""On a 390-px phone, in English and Chinese: the county's customs broker (a county
administrator) sees the cross-border KPI panel on the export orders page, uploads a GACC
receipt message, and the order shows as released; a broken file says its line and column."""

import pytest

from countyhub.crossborder import services
from tests.crossborder.setup import export_fields, ready, shop_order
from tests.crossborder.test_receipts import ceb604, inventory_return

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TEXT = {
    "en": {"language": "English", "panel": "Exports by destination", "added": "1 receipt(s)"},
    "zh-hans": {"language": "简体中文", "panel": "按目的国出口", "added": "新增 1 条回执"},
}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_broker_uploads_receipts_and_sees_the_kpis_on_a_phone(
    world, live_server, browser, screenshots, language, tmp_path
):
    made = ready(world)
    export = services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name=TEXT[language]["language"]).click()
    page.fill("#id_username", "county_admin-user")
    page.fill("#id_password", "pass-word-123")
    page.click("#login")
    page.goto(f"{live_server.url}/c/{world.county.slug}/exports/")
    assert TEXT[language]["panel"] in page.inner_text("#export-kpis")
    assert page.is_visible("#export-chart")
    assert fits(page)
    screenshots(page, "export-kpis")
    page.goto(f"{live_server.url}/c/{world.county.slug}/exports/receipts/")
    assert fits(page)
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<ceb:CEB604Message>\n<oops></ceb:CEB604Message>")
    page.set_input_files("#id_file", str(broken))
    page.click("#import-receipts")
    assert {"en": "broken.xml, line 1, column", "zh-hans": "broken.xml, 第 1 行第"}[language] in (
        page.inner_text("#receipt-problems")
    )
    assert fits(page)
    screenshots(page, "receipts-refused")
    good = tmp_path / "receipt.xml"
    good.write_bytes(ceb604(inventory_return(export, 800, "20261209101500123", "放行")))
    page.set_input_files("#id_file", str(good))
    page.click("#import-receipts")
    page.wait_for_load_state()
    assert TEXT[language]["added"] in page.inner_text("body")
    assert fits(page)
    screenshots(page, "receipts-imported")
    export.refresh_from_db()
    assert export.status == 800
