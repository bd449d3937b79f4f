"""On a phone: an analyst uploads the corp_rep survey, draws the structural paths, runs a
PLS-SEM with 500 bootstrap resamples in the background, watches its progress and opens the
report. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from countyhub.analyses.models import AnalysisRun
from countyhub.core.models import Role
from tests.analyses.support import CORP_REP, CORP_REP_CONSTRUCTS
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
PATHS = [("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"), ("CUSA", "CUSL")]


@pytest.fixture
def analyst(transactional_db):
    county = CountyFactory(name="青山县", name_en="Qingshan County", slug="qingshan")
    user = UserFactory(username="survey-analyst")
    MembershipFactory(user=user, county=county, role=Role.ANALYST)
    return county


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_analyst_runs_a_pls_sem_on_a_phone(live_server, browser, analyst, screenshots):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "survey-analyst")
    page.fill("input[name=password]", "pass-word-123")
    page.click("#login")

    page.goto(f"{live_server.url}/c/qingshan/analyses/")
    page.fill("input[name=name]", "企业声誉调查")
    page.set_input_files("input[name=file]", str(CORP_REP))
    page.fill("textarea[name=constructs]", CORP_REP_CONSTRUCTS)
    page.fill("input[name=scale_min]", "1")
    page.fill("input[name=scale_max]", "7")
    assert _fits_the_phone(page)
    screenshots(page, "upload")
    page.click("#upload")
    page.click("#setup-pls")

    # Draw the paths by picking from and to; the diagram is redrawn each time.
    for source, target in PATHS:
        page.select_option("#path-from", source)
        page.select_option("#path-to", target)
        page.click("#add-path")
    arrows = page.locator("#diagram line.path-arrow")
    assert arrows.count() == 5
    assert page.locator("#diagram ellipse.construct-node").count() == 4
    syntax = page.locator("#id_model_syntax").input_value()
    assert "CUSL ~ CUSA" in syntax and "COMP =~ comp_1 + comp_2 + comp_3" in syntax
    # CUSL has three arrows in: the 10-times rule asks for 30 rows; corp_rep has 344.
    assert page.locator("#ten-times").inner_text() == "30"
    assert page.locator("#ten-times-warning").is_hidden()
    # Editing the syntax redraws too: a sixth path typed by hand, then taken out again.
    page.locator("#id_model_syntax").fill(syntax + "CUSA ~ CUSL\n")
    assert arrows.count() == 6
    page.locator("#id_model_syntax").fill(syntax)
    assert arrows.count() == 5
    page.fill("#id_resamples", "500")
    page.fill("#id_p_min", "0.1")
    assert page.locator("#inverse-root").inner_text() == "619"
    assert page.locator("#inverse-root-warning").is_visible()  # 344 rows < 619
    assert _fits_the_phone(page)
    screenshots(page, "setup")

    # The run page polls its progress: the first answer is read as it arrives.
    with page.expect_response(lambda r: r.url.endswith("progress.json")) as first:
        page.click("#run-pls")
    assert re.search(r"/analyses/runs/\d+/$", page.url)
    progress = first.value.json()
    assert progress["status"] in ("queued", "running", "succeeded")
    assert progress["total"] in (0, 500)
    screenshots(page, "running")
    page.locator("#results").wait_for(timeout=120_000)
    final = page.request.get(page.url + "progress.json").json()
    assert (final["status"], final["done"], final["total"]) == ("succeeded", 500, 500)
    run = AnalysisRun.objects.get()
    assert run.options["resamples"] == 500 and run.results["bootstrap"]["resamples"] == 500
    coefficient = f"{run.results['paths']['COMP -> CUSA']:.3f}"
    assert coefficient in page.locator("#result-diagram svg").text_content()
    assert page.locator("#sentences li").count() == 5
    assert page.locator("table.results").count() == 4
    assert _fits_the_phone(page)
    screenshots(page, "results")

    # Reloaded, the finished run shows its results, not a progress bar.
    page.reload()
    assert page.locator("#run-progress").is_hidden()
    with page.expect_download() as download:
        page.click("#report-pdf")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-") and b"FontFile2" in pdf  # the CJK font is embedded
    context.close()
