"""Issue 15's whole path in the browser, on a phone: a county administrator enters a year's
yearbook figures, opens the county accounts and reads the residual line, runs a village DiD from
the evaluation page, then opens the annual report and makes its PDF (a background job), whose
text is read back."""

from __future__ import annotations

import re
import subprocess

import pytest

from countyhub.core.models import Role
from countyhub.impact.models import EvaluationRun, YearbookFigure
from tests.browser.phone_crawl import PHONE, log_in, problems_on
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
from tests.impact.panel_support import staggered_villages

pytestmark = [pytest.mark.browser, pytest.mark.slow]

YEAR = 2023
# In 亿元 (100 million yuan): Y − (C + I + G + X − M) = 120 − (50 + 40 + 20 + 5 − 3) = 8.
FIGURES = {
    "gdp_production": "120",
    "retail_sales": "50",
    "fixed_asset_investment": "40",
    "budget_expenditure": "20",
    "customs_exports": "5",
    "customs_imports": "3",
}


@pytest.fixture
def county(transactional_db):
    county = CountyFactory(name="青山县", name_en="Qingshan County", slug="qingshan")
    admin = UserFactory(username="impact-admin", is_staff=True)
    MembershipFactory(user=admin, county=county, role=Role.COUNTY_ADMIN)
    staggered_villages(county, [2020, 2020, 2020, 2022, 2022, 2022, None, None])
    return county


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_administrator_goes_from_yearbook_figures_to_the_reports_pdf(
    live_server, browser, county
):
    context = browser.new_context(**PHONE)
    cookie = {"name": "django_language", "value": "en", "url": live_server.url}
    context.add_cookies([cookie])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    base = f"{live_server.url}/c/qingshan/impact"
    try:
        log_in(page, live_server.url, "impact-admin", "pass-word-123")
        errors.clear()

        # The year's yearbook figures, typed in one by one as an office would.
        for indicator, value in FIGURES.items():
            page.goto(f"{base}/yearbook/")
            page.fill("#id_year", str(YEAR))
            page.select_option("#id_indicator", indicator)
            page.fill("#id_value", value)
            page.select_option("#id_unit", "100m_yuan")
            page.fill("#id_source", "青山县2023年国民经济和社会发展统计公报")
            page.locator("form:has(#id_indicator) button").click()
            page.wait_for_load_state()
            assert page.locator(".messages").first.is_visible(), page.content()[:2000]
        assert YearbookFigure.objects.filter(county=county, year=YEAR).count() == len(FIGURES)
        assert page.locator(f"#year-{YEAR}").is_visible() and _fits(page)

        # The county accounts beside them, with the residual line computed from them.
        page.goto(f"{base}/accounts/?year={YEAR}")
        residual = page.locator("#residual").inner_text()
        assert "Inter-county net exports" in residual
        assert re.search(r"¥\s?800,000,000", residual), residual
        assert _fits(page)

        # A village DiD from the evaluation page, computed by the background job.
        page.goto(f"{base}/evaluations/")
        page.select_option("#id_level", "village")
        page.select_option("#id_rollout", "station")
        page.select_option("#id_outcome", "platform_sales")
        page.select_option("#id_control", "notyet")
        page.click("#start-evaluation")
        page.locator("#results").wait_for(timeout=120_000)
        assert page.locator("#event-study svg").count() == 1
        assert EvaluationRun.objects.get(county=county).results["cohort_sizes"]

        # The annual report, then its PDF from the job's page.
        page.goto(f"{base}/report/{YEAR}/")
        assert page.locator("#report-evaluation svg").count() == 1
        assert page.locator("#report-accounts svg").count() == 1
        assert _fits(page)
        page.click("#report-pdf")
        page.wait_for_selector("#job-file", timeout=120_000)
        pdf = page.request.get(live_server.url + page.get_attribute("#job-file", "href"))
        assert pdf.ok and pdf.body().startswith(b"%PDF")
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=pdf.body(),
            capture_output=True,
            check=True,
        ).stdout.decode()
        assert "Qingshan County" in text or "青山县" in text
        assert str(YEAR) in text
        assert problems_on(page, errors) == []
    finally:
        context.close()
