"""On a phone, in Chinese and in English: the county's annual impact report with a program
evaluation (its event study) and the county accounts chart fits 390 px, with no console error
and none of the crawl's problems (phone_crawl.problems_on)."""

from __future__ import annotations

import pytest

from countyhub.core.models import JobStatus, Role
from countyhub.impact.panel_runs import start_evaluation
from tests.analyses.support import wait_for
from tests.browser.phone_crawl import PHONE, log_in, problems_on
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
from tests.impact.panel_support import staggered_villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def county(transactional_db):
    county = CountyFactory(name="青山县", name_en="Qingshan County", slug="qingshan")
    analyst = UserFactory(username="report-analyst")
    MembershipFactory(user=analyst, county=county, role=Role.ANALYST)
    staggered_villages(county, [2020, 2020, 2020, 2022, 2022, 2022, None, None])
    run = start_evaluation(
        county=county, actor=analyst, level="village", rollout="station",
        outcome="platform_sales", control="notyet",
    )  # fmt: skip
    job = wait_for(run.job)  # dispatched on commit to the in-process worker
    assert job.status == JobStatus.SUCCEEDED, job.error
    return county


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_annual_report_fits_a_phone(live_server, browser, county, language):
    context = browser.new_context(**PHONE)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        log_in(page, live_server.url, "report-analyst", "pass-word-123")
        errors.clear()
        page.goto(f"{live_server.url}/c/qingshan/impact/report/2023/")
        assert page.locator("#report-evaluation svg").count() == 1
        assert page.locator("#report-accounts svg").count() == 1
        assert page.locator("#report-pdf").is_visible()
        assert problems_on(page, errors) == []
    finally:
        context.close()
