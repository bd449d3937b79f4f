"""Every page each demo role reaches from its navigation fits a 390 x 844 phone in Chinese and in
English (issue 12): nothing wider than the screen unless inside a box that scrolls sideways, no
word broken because its box is narrower than it, text contrast at least WCAG AA, no console
error (a Content-Security-Policy violation is one), and no link the role is shown that refuses
it. The pages are crawled breadth first from the page after logging in (header and sub-menus
first), not listed by hand; each failure names the role, the language, the page and the element.

Building the demo county takes most of the time; the crawl is bounded (phone_crawl.crawl)."""

import pytest

from countyhub.core.models import County
from countyhub.demo import DEMO_PASSWORD, build_demo
from tests.browser.phone_crawl import LANGUAGES, PHONE, Seen, crawl, log_in, problems_on

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.slow]

# A visitor who has not logged in, then the demo's accounts. A later role passes through the
# kinds of page an earlier one checked (with the earlier one's links): county administrators
# come before analysts and trainers, whose menus are a part of theirs. `province` is the demo
# province's official; `finance` is the demo's second county administrator (the superuser
# `admin` sees the province view too).
ROLES = {
    "visitor": None,
    "buyer": "buyer",
    "seller staff": "seller",
    "station operator": "station",
    "county administrator": "finance",
    "superuser": "admin",
    "trainer": "trainer",
    "analyst": "analyst",
    "province official": "province",
}


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    build_demo()
    # The demo's province (its neighbours, their yearbook figures) and its official, "province".
    return County.objects.get(slug="qingshan")


def assisted_order_with_a_line(browser, base: str, language: str) -> list[str]:
    """The station's order for a villager with a product on it (its remove button shows only
    then): reached by searching and adding, which saves nothing."""
    context = browser.new_context(**PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": base}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        log_in(page, base, "station", DEMO_PASSWORD)
        errors.clear()
        page.goto(f"{base}/station/")
        page.locator("a[id^=order-for-villager]").first.click()
        page.fill("#q", "苹果")
        page.click("#search-products")
        page.locator("#results button[name=add]").first.click()
        page.wait_for_selector("#lines tr[id^=line-]")
        where = f"station operator · {language} · {page.url.removeprefix(base)} (a line added)"
        return [f"{where}: {line}" for line in problems_on(page, errors)]
    finally:
        context.close()


def test_every_page_of_every_role_fits_a_phone(live_server, browser, demo):
    seen = Seen()
    problems: list[str] = []
    pages = 0
    for role, username in ROLES.items():
        result = crawl(browser, live_server.url, username, DEMO_PASSWORD, role=role, seen=seen)
        assert result.pages, f"{role}: nothing reached after logging in"
        pages += len(result.pages)
        problems += result.problems
    for language in LANGUAGES:
        problems += assisted_order_with_a_line(browser, live_server.url, language)
    assert pages >= 40, f"the crawl reached only {pages} pages"
    assert not problems, f"{len(problems)} problems on a 390-px phone:\n" + "\n".join(problems)
