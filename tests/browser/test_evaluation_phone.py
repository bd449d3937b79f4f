"""On a phone, in Chinese and in English: an analyst runs a village DiD (stations opened in
staggered years) from the program evaluation page; the background job computes it, the page
shows the event study, the aggregations and the naive TWFE's warning, and nothing is wider than
390 px."""

from __future__ import annotations

import re

import pytest

from countyhub.core.models import Role
from countyhub.impact.models import EvaluationRun
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
from tests.impact.panel_support import staggered_villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def county(transactional_db):
    county = CountyFactory(name="青山县", name_en="Qingshan County", slug="qingshan")
    MembershipFactory(user=UserFactory(username="did-analyst"), county=county, role=Role.ANALYST)
    staggered_villages(county, [2020, 2020, 2020, 2022, 2022, 2022, None, None])
    return county


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(("locale", "heading"), [("zh-CN", "事件研究"), ("en-US", "Event study")])
def test_analyst_runs_a_village_did_on_a_phone(
    live_server, browser, county, screenshots, locale, heading
):
    context = browser.new_context(**PHONE, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "did-analyst")
    page.fill("input[name=password]", "pass-word-123")
    page.click("#login")

    page.goto(f"{live_server.url}/c/qingshan/impact/evaluations/")
    page.select_option("#id_level", "village")
    page.select_option("#id_rollout", "station")
    page.select_option("#id_outcome", "platform_sales")
    page.select_option("#id_control", "notyet")
    # The covariates (checkboxes of both panels) and the method fit the phone too; none chosen.
    assert page.locator("#field-covariates input[type=checkbox]").first.is_visible()
    assert page.locator("#id_method").input_value() == "dr"
    assert _fits_the_phone(page)
    screenshots(page, f"evaluation-setup-{locale}")
    page.click("#start-evaluation")
    assert re.search(r"/impact/evaluations/\d+/$", page.url)
    page.locator("#results").wait_for(timeout=120_000)
    run = EvaluationRun.objects.get()
    assert run.results["cohort_sizes"] == {"0": 2, "2020": 3, "2022": 3}
    assert page.locator("#event-study svg").count() == 1
    assert page.locator("table.results").count() == 4
    assert page.locator("#staggered-warning").is_visible()
    assert page.locator("#run-covariates").is_visible()
    assert heading in page.content()
    assert _fits_the_phone(page)
    screenshots(page, f"evaluation-results-{locale}")
    assert not errors, errors
    context.close()
