"""On a phone, in Chinese and in English: the living-costs page with its prices, villages and
the administrator's price form fits 390 px, with none of the crawl's problems
(phone_crawl.problems_on) and no console error."""

from __future__ import annotations

import pytest

from tests.browser.phone_crawl import PHONE, log_in, problems_on
from tests.impact.test_living_costs import villages  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_living_costs_page_fits_a_phone(live_server, browser, villages, language):  # noqa: F811
    context = browser.new_context(**PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        log_in(page, live_server.url, "county_admin-user", "pass-word-123")
        errors.clear()
        page.goto(f"{live_server.url}/c/{villages.county.slug}/impact/living-costs/?year=2024")
        assert page.locator("#prices tbody tr").count() == 2
        assert page.locator("#villages tbody tr").count() == 2
        assert page.locator("#id_price").is_visible()
        assert problems_on(page, errors) == []
    finally:
        context.close()
