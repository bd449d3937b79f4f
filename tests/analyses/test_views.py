"""The analysis pages: who may see them, upload messages, set-up, progress JSON, results."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from countyhub.analyses import services
from countyhub.analyses.models import AnalysisKind, AnalysisRun, Dataset
from countyhub.core.models import Job, JobStatus
from tests.analyses.support import CORP_REP, CORP_REP_MODEL, dataset_input
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def corp_rep(world):
    return services.upload_dataset(
        county=world.county,
        actor=world.users["analyst"],
        upload=dataset_input(CORP_REP.read_bytes()),
    )


@pytest.fixture
def queued_run(world, corp_rep):
    # Inside the test's transaction the job is never dispatched: it stays queued.
    return services.start_run(
        county=world.county,
        actor=world.users["analyst"],
        dataset=corp_rep,
        kind=AnalysisKind.PLS_SEM,
        model_syntax=CORP_REP_MODEL,
        options={"weighting": "path", "missing": "listwise", "resamples": 500},
        seed=3,
    )


def _pages(county, run):
    slug = county.slug
    return [
        reverse("analyses:index", args=[slug]),
        reverse("analyses:dataset", args=[slug, run.dataset_id]),
        reverse("analyses:pls_setup", args=[slug, run.dataset_id]),
        reverse("analyses:before_after_setup", args=[slug, run.dataset_id]),
        reverse("analyses:run", args=[slug, run.pk]),
        reverse("analyses:run_progress", args=[slug, run.pk]),
    ]


@pytest.mark.parametrize("role", ["analyst", "county_admin"])
def test_analysts_and_county_admins_see_the_pages(client, world, queued_run, role):
    client.force_login(world.users[role])
    for url in _pages(world.county, queued_run):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    "role", ["buyer", "seller_staff", "station_operator", "trainer", "other_county_admin"]
)
def test_other_roles_and_other_counties_are_refused(client, world, queued_run, role):
    client.force_login(world.users[role])
    for url in _pages(world.county, queued_run):
        assert client.get(url).status_code == 403, url
    cancel = reverse("analyses:run_cancel", args=[world.county.slug, queued_run.pk])
    assert client.post(cancel).status_code == 403
    queued_run.job.refresh_from_db()
    assert queued_run.job.status == JobStatus.QUEUED


def test_an_analyst_of_another_county_cannot_reach_this_countys_run(client, world, queued_run):
    other = CountyFactory()
    analyst = UserFactory(username="other-analyst")
    MembershipFactory(user=analyst, county=other, role="analyst")
    client.force_login(analyst)
    # Under the other county's own slug the run does not exist.
    url = reverse("analyses:run", args=[other.slug, queued_run.pk])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("analyses:run", args=[world.county.slug, queued_run.pk])).status_code
        == 403
    )


def test_anonymous_visitors_are_sent_to_log_in(client, world, queued_run):
    response = client.get(reverse("analyses:run", args=[world.county.slug, queued_run.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_upload_names_the_row_and_column_of_a_bad_cell(client, world):
    client.force_login(world.users["analyst"])
    client.cookies["django_language"] = "en"
    data = b"household,comp_1,comp_2\nH1,3,4\nH2,x,5\n"
    response = client.post(
        reverse("analyses:index", args=[world.county.slug]),
        {
            "name": "bad",
            "file": SimpleUploadedFile("bad.csv", data),
            "constructs": "COMP: comp_1 comp_2",
            "scale_min": "1",
            "scale_max": "5",
            "missing_codes": "-99",
        },
    )
    assert response.status_code == 400
    assert (
        "Constructs, line 1: the column comp_1 holds text, not numbers."
        in response.content.decode()
    )
    assert not Dataset.objects.exists()


def test_upload_reads_gb18030_and_infers_constructs(client, world):
    client.force_login(world.users["analyst"])
    data = "村,comp_1,comp_2,like_1,like_2\n桃花村,3,4,5,4\n梨花村,2,3,4,4\n".encode("gb18030")
    response = client.post(
        reverse("analyses:index", args=[world.county.slug]),
        {
            "name": "村调查",
            "file": SimpleUploadedFile("village.csv", data),
            "scale_min": "1",
            "scale_max": "5",
        },
    )
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert dataset.columns[0] == "村" and dataset.rows == 2
    assert dataset.metadata["constructs"] == {
        "COMP": ["comp_1", "comp_2"],
        "LIKE": ["like_1", "like_2"],
    }


def test_the_setup_page_shows_both_minimum_sample_sizes_and_warns(client, world, corp_rep):
    client.force_login(world.users["analyst"])
    url = reverse("analyses:pls_setup", args=[world.county.slug, corp_rep.pk])
    response = client.post(
        url,
        {
            "model_syntax": CORP_REP_MODEL + "CUSL ~ NOPE\n",
            "weighting": "path",
            "missing": "listwise",
            "resamples": "500",
            "p_min": "0.1",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400 and "NOPE" in page
    # corp_rep has 344 rows; CUSL has 4 arrows in: 40; inverse square root at 0.2: 155.
    assert re.search(r'id="ten-times">40<', page)
    assert re.search(r'id="inverse-root">155<', page)
    assert 'id="inverse-root-warning" hidden' in page


def test_setting_up_a_run_queues_it_and_the_run_page_polls(client, world, corp_rep):
    client.force_login(world.users["analyst"])
    response = client.post(
        reverse("analyses:pls_setup", args=[world.county.slug, corp_rep.pk]),
        {
            "model_syntax": CORP_REP_MODEL,
            "weighting": "factorial",
            "missing": "mean",
            "resamples": "500",
            "seed": "11",
            "p_min": "0.2",
        },
    )
    run = AnalysisRun.objects.get()
    assert response["Location"] == reverse("analyses:run", args=[world.county.slug, run.pk])
    assert run.options == {
        "weighting": "factorial",
        "missing": "mean",
        "resamples": 500,
        "p_min": 0.2,
    }
    assert run.seed == 11 and run.job.status == JobStatus.QUEUED
    page = client.get(response["Location"]).content.decode()
    assert 'id="run-progress"' in page and "progress.json" in page and 'id="cancel-run"' in page
    assert "<script>" not in page and "onclick" not in page


def test_progress_json_reports_a_dead_worker_as_failed(client, world, queued_run, settings):
    settings.COUNTYHUB_JOB_STALE_SECONDS = 30
    Job.objects.filter(pk=queued_run.job_id).update(
        status=JobStatus.RUNNING,
        done=1024,
        total=5000,
        heartbeat=timezone.now() - datetime.timedelta(minutes=2),
    )
    client.force_login(world.users["analyst"])
    client.cookies["django_language"] = "en"
    url = reverse("analyses:run_progress", args=[world.county.slug, queued_run.pk])
    body = client.get(url).json()
    assert body["status"] == "failed" and body["finished"] and body["done"] == 1024
    assert "no sign of life" in body["error"]


def test_pages_speak_chinese(client, world, queued_run):
    client.force_login(world.users["analyst"])
    page = client.get(
        reverse("analyses:pls_setup", args=[world.county.slug, queued_run.dataset_id])
    )
    text = page.content.decode()
    assert "结构路径" in text and "最小样本" in text
