"""On a phone, in Chinese and in English: the demo province's official compares its thirteen
counties (the demo's province, built by demo.province) with every yearbook figure chosen: the
wide table scrolls in its own box, the charts fit, nothing is wider than 390 px (issue 15)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from countyhub.core.models import County
from countyhub.demo import DEMO_PASSWORD, data
from countyhub.demo.province import build_province
from countyhub.impact.models import Indicator
from tests.factories.core import CountyFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def county(transactional_db) -> County:
    county = CountyFactory(**data.COUNTY)
    build_province(county, UserFactory(username="admin"))
    return county


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    ("locale", "heading"), [("zh-CN", "各县比较"), ("en-US", "counties compared")]
)
def test_the_province_official_compares_the_counties_on_a_phone(
    live_server, browser, county, screenshots, locale, heading
):
    context = browser.new_context(**PHONE, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "province")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#login")

    page.goto(f"{live_server.url}/c/qingshan/impact/province/")
    assert heading in page.locator("h1").inner_text()
    assert page.locator("#province-counties tbody tr").count() == 13
    for code in Indicator.values:
        page.check(f"input[name=indicator][value={code}]")
    page.click("#province-form button")
    assert page.locator("#province-counties thead th").count() == 2 + len(Indicator.values) + 1
    assert page.locator("svg.chart").count() == 4
    last_year = str(timezone.localdate().year - 1)
    assert last_year in page.locator("h1").inner_text()
    assert _fits_the_phone(page)
    screenshots(page, f"province-{locale}")
    assert not errors, errors
    context.close()
