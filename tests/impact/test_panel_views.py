"""The program evaluation pages: an analyst runs a village DiD from the web (the job executed
in-process, in the test's transaction, as tests/analyses do), reads the event study, the
aggregations and the naive TWFE with its warning; who may not see or start one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from countyhub.core import jobs
from countyhub.core.models import AuditEntry, JobStatus, Membership, Role
from countyhub.impact.models import EvaluationRun
from countyhub.impact.panel_runs import EvaluationInputError, start_evaluation
from tests.impact.panel_support import staggered_villages

pytestmark = pytest.mark.django_db

CHOICES = {
    "level": "village",
    "rollout": "station",
    "outcome": "platform_sales",
    "control": "notyet",
}


@pytest.fixture
def rollout(world):
    staggered_villages(world.county, [2020, 2020, 2020, 2022, 2022, 2022, None, None])
    return world


def _computed(run: EvaluationRun) -> EvaluationRun:
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    run.job.refresh_from_db()
    assert run.job.status == JobStatus.SUCCEEDED, run.job.error
    return run


def test_an_analyst_runs_a_village_did_and_reads_its_event_study(client, rollout):
    county = rollout.county
    client.force_login(rollout.users["analyst"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("impact:evaluations", args=[county.slug]))
    assert page.status_code == 200 and b'id="evaluation-form"' in page.content
    started = client.post(reverse("impact:evaluations", args=[county.slug]), CHOICES)
    run = EvaluationRun.objects.get(county=county)
    assert started.status_code == 302
    assert started["Location"] == reverse("impact:evaluation", args=[county.slug, run.pk])
    assert run.job.status == JobStatus.QUEUED  # dispatched on commit, never inside the test
    audit = AuditEntry.objects.get(action="impact.evaluation.started", object_id=str(run.pk))
    assert audit.changes["sha256"] == run.data_sha256 and audit.actor == rollout.users["analyst"]

    run = _computed(run)
    assert run.results["outcome"] == "platform_sales"
    assert run.results["cohort_sizes"]["2020"] == 3 and run.results["staggered"] is True
    assert run.figure_svg.startswith("<svg") and "Staggered difference-in-differences" in (
        run.report_html
    )
    html = client.get(started["Location"]).content.decode()
    for marker in (
        'id="event-study"',
        "<svg",
        'id="table-overall"',
        'id="table-event-time"',
        'id="table-group"',
        'id="table-calendar"',
        'id="staggered-warning"',
        "naive two-way fixed effects (TWFE)",
        "Pre-trends:",
    ):
        assert marker in html, marker
    progress = client.get(reverse("impact:evaluation_progress", args=[county.slug, run.pk]))
    assert progress.json()["finished"] is True
    panel = client.get(reverse("impact:evaluation_panel", args=[county.slug, run.pk]))
    assert panel.content.decode() == run.panel_csv
    assert panel.content.startswith(b"village_id,village,year,treated_from,platform_sales")
    listing = client.get(reverse("impact:evaluations", args=[county.slug])).content.decode()
    assert f"DiD #{run.pk}" in listing


def test_the_page_is_in_chinese_for_a_chinese_reader(client, rollout):
    client.force_login(rollout.users["county_admin"])
    run = _computed(
        start_evaluation(county=rollout.county, actor=rollout.users["county_admin"], **CHOICES)
    )
    url = reverse("impact:evaluation", args=[rollout.county.slug, run.pk])
    client.cookies["django_language"] = "zh-hans"
    html = client.get(url).content.decode()
    assert "事件研究" in html and "平行趋势" in html


def test_an_outcome_of_the_other_panel_is_refused_on_the_form(client, rollout):
    client.force_login(rollout.users["analyst"])
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("impact:evaluations", args=[rollout.county.slug]),
        {**CHOICES, "outcome": "gdp_production"},
    )
    assert response.status_code == 400
    assert "This outcome is not in the chosen panel." in response.content.decode()
    assert not EvaluationRun.objects.exists()


def test_a_panel_the_engine_refuses_is_named_before_a_job_is_queued(rollout):
    with pytest.raises(EvaluationInputError) as refused:
        start_evaluation(
            county=rollout.county,
            actor=rollout.users["analyst"],
            **{**CHOICES, "rollout": "seller", "control": "never"},
        )
    # The world's sellers joined this year, the others in the first year (already treated).
    assert refused.value.field == ""
    assert refused.value.message.startswith(f"{rollout.county.slug} village panel 2019-")
    assert "only 3 units" in refused.value.message
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize(
    "role", ["seller_staff", "station_operator", "buyer", "other_county_admin"]
)
def test_only_the_countys_analysts_and_administrators_see_or_start_evaluations(
    client, rollout, role
):
    run = start_evaluation(county=rollout.county, actor=rollout.users["analyst"], **CHOICES)
    client.force_login(rollout.users[role])
    slug = rollout.county.slug
    for name, args in (
        ("impact:evaluations", [slug]),
        ("impact:evaluation", [slug, run.pk]),
        ("impact:evaluation_progress", [slug, run.pk]),
        ("impact:evaluation_panel", [slug, run.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert client.post(reverse("impact:evaluations", args=[slug]), CHOICES).status_code == 403
    assert EvaluationRun.objects.count() == 1


def test_another_countys_run_is_not_found_under_ones_own_county(client, rollout):
    run = start_evaluation(county=rollout.county, actor=rollout.users["analyst"], **CHOICES)
    outsider = rollout.users["other_county_admin"]
    own = Membership.objects.get(user=outsider, role=Role.COUNTY_ADMIN).county
    client.force_login(outsider)
    for name in ("impact:evaluation", "impact:evaluation_panel", "impact:evaluation_progress"):
        assert client.get(reverse(name, args=[own.slug, run.pk])).status_code == 404, name


def test_anonymous_visitors_are_sent_to_log_in(client, rollout):
    response = client.get(reverse("impact:evaluations", args=[rollout.county.slug]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_county_run_compares_the_provinces_counties_by_designation_year(world):
    from decimal import Decimal

    from countyhub.core.models import Province
    from countyhub.impact.models import YearbookFigure
    from countyhub.programs.models import Program, ProgramLevel
    from tests.factories.core import CountyFactory

    province = Province.objects.create(name="试验省")
    world.county.province = province
    world.county.save(update_fields=["province"])
    counties = [world.county, *(CountyFactory(province=province) for _ in range(7))]
    for i, county in enumerate(counties):
        designated = (2015, 2017, None)[i % 3]
        if designated:
            Program.objects.create(
                county=county, name="示范", level=ProgramLevel.NATIONAL, designation_year=designated
            )
        for year in range(2013, 2020):
            treated = designated is not None and year >= designated
            YearbookFigure.objects.create(
                county=county, year=year, indicator="retail_sales",
                value=Decimal(20 + 2 * i + year - 2013 + (3 if treated else 0) + (i * year) % 3),
                unit="100m_yuan", source="统计公报",
            )  # fmt: skip
    run = _computed(
        start_evaluation(
            county=world.county,
            actor=world.users["analyst"],
            level="county",
            rollout="station",  # ignored: a county is treated from its designation
            outcome="retail_sales",
            control="notyet",
        )
    )
    assert run.rollout == "designation"
    assert run.results["cohort_sizes"] == {"0": 2, "2015": 3, "2017": 3}
    assert run.panel_csv.splitlines()[0].startswith("county_id,county,year,treated_from,")
    assert any("designated nationally" in note for note in run.panel_notes)
