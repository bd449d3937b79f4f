"""The county's annual impact report: every section shows its figures or why it cannot be
computed, the PDF reads back in English and Chinese with the section titles and the numbers, and
only the county's administrators and analysts may open it."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from countyhub.catalog.models import SellerHousehold
from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.impact.panel_runs import start_evaluation
from countyhub.impact.report import impact_report
from countyhub.impact.report_jobs import REPORT_PDF
from countyhub.trace.models import Batch, BatchShipment
from tests.factories.catalog import HouseholdFactory
from tests.impact.panel_support import staggered_villages
from tests.impact.test_flows import order

pytestmark = pytest.mark.django_db

YEAR = 2025


@pytest.fixture
def county_year(world):
    """Two sales of 2025 (¥1,000 and ¥500), the first seller linked to a registered-poor and to
    another household, the first sale shipped from a traced batch."""
    first = order(world, world.product, "1000")
    order(world, world.other_product, "500")
    poor = HouseholdFactory(county=world.county, registered_poor=True)
    other = HouseholdFactory(county=world.county)
    for household in (poor, other):
        SellerHousehold.objects.create(seller=world.seller, household=household)
    batch = Batch.objects.create(
        county=world.county, product=world.product, seller=world.seller, gtin="06901234567892",
        lot="L1", quantity=Decimal(10), unit=world.product.unit, plot="东坡",
    )  # fmt: skip
    line = first.lines.get()
    BatchShipment.objects.create(batch=batch, order=first, order_line=line, quantity=1)
    return world


def _url(world, name="impact:report", year=YEAR):
    return reverse(name, args=[world.county.slug, year])


def _page(client, world, language="en"):
    client.cookies["django_language"] = language
    client.force_login(world.users["analyst"])
    response = client.get(_url(world))
    assert response.status_code == 200
    return response.content.decode()


def _pdf_text(client, world, tmp_path, language):
    client.cookies["django_language"] = language
    client.force_login(world.users["county_admin"])
    response = client.post(_url(world, "impact:report_pdf"))
    job = Job.objects.filter(kind=REPORT_PDF).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    download = client.get(reverse("job_file", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    path = tmp_path / f"report-{language}.pdf"
    path.write_bytes(b"".join(download.streaming_content))
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_each_section_shows_its_figures_or_why_not(client, county_year):
    html = _page(client, county_year)
    for key in ("sales", "income", "survey", "evaluation", "accounts", "training", "trace"):
        assert f'id="report-{key}"' in html, key
    assert "¥1,500.00" in html  # net sales of the year
    assert "2 orders of 2025" in html
    assert "Registered-poor households reached</strong>: 1" in html
    assert "Households taking part</strong>: 2" in html
    assert "50.0% (1/2)" in html  # one of two sold lines from a traced batch
    # Nothing stored or recorded: the sentence says why instead of a zero.
    assert "Cannot be computed because no before/after or PLS-SEM analysis" in html
    assert "Cannot be computed because no program evaluation" in html
    assert "Cannot be computed because no certificate of a course" in html
    assert "Inter-county net exports and statistical discrepancy" in html
    assert "cannot be computed because not entered:" in html
    assert "<svg" in html  # the accounts chart, the income chart


def test_a_year_without_sales_says_so(client, world):
    report = impact_report(world.county, 2024)
    by_key = {s.key: s for s in report.sections}
    assert "no sale or payout" in by_key["income"].why_not
    assert "no order line was sold in 2024" in by_key["trace"].why_not
    assert by_key["sales"].figures[1].value == "0"  # a real count of no orders


def test_the_latest_evaluation_run_is_shown_with_its_event_study(client, world):
    staggered_villages(world.county, [2020, 2020, 2020, 2022, 2022, 2022, None, None])
    run = start_evaluation(
        county=world.county, actor=world.users["analyst"], level="village", rollout="station",
        outcome="platform_sales", control="notyet",
    )  # fmt: skip
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    client.cookies["django_language"] = "en"
    client.force_login(world.users["analyst"])
    html = client.get(_url(world, year=2023)).content.decode()
    assert f"DiD #{run.pk}" in html
    assert "naive two-way fixed effects (TWFE)" in html
    assert "Event study" in html and run.figure_svg[:40] in html


def test_the_pdf_reads_back_in_english_and_chinese(client, county_year, tmp_path):
    english = _pdf_text(client, county_year, tmp_path, "en")
    assert county_year.county.name in english
    for title in (
        "Annual impact report",
        "Sales and participation",
        "Household income and poverty",
        "Survey results",
        "Program evaluation",
        "County accounts",
        "Training outcomes",
        "Trace coverage",
    ):
        assert title in english, title
    assert "¥1,500.00" in english and "50.0% (1/2)" in english
    assert "Cannot be computed because" in english
    chinese = _pdf_text(client, county_year, tmp_path, "zh-hans")
    for title in ("年度影响报告", "销售与参与", "县域核算", "溯源覆盖"):
        assert title in chinese, title
    assert "¥1,500.00" in chinese


def test_the_accounts_page_links_to_the_report(client, county_year):
    client.cookies["django_language"] = "en"
    client.force_login(county_year.users["county_admin"])
    page = client.get(reverse("impact:accounts", args=[county_year.county.slug]) + "?year=2025")
    assert _url(county_year) in page.content.decode()


@pytest.mark.parametrize("user", ["other_county_admin", "seller_staff", "buyer"])
@pytest.mark.parametrize("name", ["impact:report", "impact:report_pdf"])
def test_other_counties_and_roles_cannot_read_it(client, world, user, name):
    client.force_login(world.users[user])
    send = client.post if name == "impact:report_pdf" else client.get
    assert send(_url(world, name)).status_code == 403
    assert not Job.objects.exists()


def test_anonymous_visitors_log_in_and_a_year_out_of_range_is_not_found(client, world):
    assert client.get(_url(world)).status_code == 302
    client.force_login(world.users["analyst"])
    assert client.get(_url(world, year=1999)).status_code == 404
    assert client.get(_url(world, year=2999)).status_code == 404


def test_the_latest_survey_analysis_shows_its_reliability_table_and_path_diagram(
    client, world, tmp_path
):
    from countyhub.analyses import services as analyses
    from countyhub.analyses.models import AnalysisKind
    from tests.analyses.support import CORP_REP, CORP_REP_MODEL, dataset_input

    dataset = analyses.upload_dataset(
        county=world.county, actor=world.users["analyst"],
        upload=dataset_input(CORP_REP.read_bytes()),
    )  # fmt: skip
    run = analyses.start_run(
        county=world.county, actor=world.users["analyst"], dataset=dataset,
        kind=AnalysisKind.PLS_SEM, model_syntax=CORP_REP_MODEL, seed=7,
        options={"weighting": "path", "missing": "listwise", "resamples": 200, "p_min": 0.2},
    )  # fmt: skip
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    html = _page(client, world)
    assert f"run #{run.pk}" in html
    assert "Reliability and convergent validity" in html and "Cronbach α" in html
    assert "Path diagram" in html and run.diagram_svg[:40] in html
    text = _pdf_text(client, world, tmp_path, "en")
    assert "Reliability and convergent validity" in text
    assert "Structural path coefficients" in text
