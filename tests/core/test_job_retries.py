"""Jobs are retried with backoff on transient errors, fail at once on others, and a failed job
is shown, with its reason and a retry button, to the user who started it, and to the county's
administrators on the admin's page of recent failures (issue 19)."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.utils import timezone, translation

from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus
from tests.conftest import requires_postgres
from tests.factories.core import UserFactory
from tests.job_worker import finished

FLAKY = "tests.flaky"
# How many attempts of a flaky job fail, by the job's inputs["fail"], and what each saw.
SEEN: dict[int, list[int]] = {}


@jobs.handler(FLAKY, label="flaky test job")
def flaky(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """Fails transiently on its first `fail` attempts (the attempt count is the job's own, so a
    retry in another process sees it too), permanently when asked, else counts to 3."""
    SEEN.setdefault(job.pk, []).append(job.attempts)
    progress(1, 3)
    if job.inputs.get("permanent"):
        raise ValueError("a bug, not a hiccup")
    if job.attempts <= job.inputs.get("fail", 0):
        raise OperationalError("server closed the connection unexpectedly")
    progress(3, 3)
    return {"attempts": job.attempts}


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.COUNTYHUB_JOB_RETRIES = 3
    settings.COUNTYHUB_JOB_RETRY_DELAY = 0.01
    settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 0.05
    with translation.override("en"):
        yield


def _job(**inputs: Any) -> Job:
    return Job.objects.create(kind=FLAKY, inputs=inputs)


@pytest.mark.django_db
def test_a_transient_failure_is_retried_and_the_job_succeeds():
    job = _job(fail=2)
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 3
    assert SEEN[job.pk] == [1, 2, 3] and job.result == {"attempts": 3}
    assert job.done == 3 and job.error == ""


@pytest.mark.django_db
def test_a_job_failing_transiently_every_time_fails_after_the_last_attempt():
    job = _job(fail=99)
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 3
    assert "could not be reached (OperationalError), 3 times" in job.error


@pytest.mark.django_db
def test_a_permanent_error_fails_at_once():
    job = _job(permanent=True)
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert "Something went wrong on our side (ValueError)" in job.error


@pytest.mark.django_db
def test_one_attempt_puts_the_job_back_with_a_backoff():
    job = _job(fail=1)
    delay = jobs.attempt(job.pk)
    job.refresh_from_db()
    assert delay is not None and 0.005 <= delay <= 0.01
    assert job.status == JobStatus.QUEUED and job.attempts == 1 and job.done == 0
    assert "Attempt 1 of 3 failed (OperationalError)" in job.message
    assert jobs.attempt(job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2


def test_the_backoff_doubles_up_to_its_ceiling_with_jitter(settings):
    settings.COUNTYHUB_JOB_RETRY_DELAY = 2
    settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 30
    for attempt, ceiling in [(1, 2), (2, 4), (3, 8), (4, 16), (5, 30), (9, 30)]:
        delays = {jobs.retry_delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(delays) > 1


@pytest.fixture
def failed_jobs(world):
    analyst = world.users["analyst"]
    mine = Job.objects.create(
        kind=FLAKY,
        status=JobStatus.FAILED,
        error="The database or the job queue could not be reached",
        created_by=analyst,
        county=world.county,
        attempts=3,
        inputs={"fail": 0},
        finished_at=timezone.now(),
    )
    elsewhere = Job.objects.create(
        kind=FLAKY,
        status=JobStatus.FAILED,
        error="Elsewhere broke",
        created_by=world.users["other_county_admin"],
        finished_at=timezone.now(),
    )
    # A failure of long ago is off the page of recent ones.
    Job.objects.create(
        kind=FLAKY,
        status=JobStatus.FAILED,
        error="Long forgotten",
        county=world.county,
        finished_at=timezone.now() - datetime.timedelta(days=40),
    )
    return mine, elsewhere


def test_the_user_sees_their_failed_job_and_retries_it(client, world, failed_jobs):
    mine, elsewhere = failed_jobs
    analyst = world.users["analyst"]
    client.force_login(analyst)
    page = client.get("/jobs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "flaky test job" in page and "could not be reached" in page
    assert f'id="retry-job-{mine.pk}"' in page and "Elsewhere broke" not in page

    # Another user's job is not theirs to retry; nor is a job that did not fail.
    assert client.post(f"/jobs/{elsewhere.pk}/retry/").status_code == 404
    ok = Job.objects.create(kind=FLAKY, status=JobStatus.SUCCEEDED, created_by=analyst)
    assert client.post(f"/jobs/{ok.pk}/retry/").status_code == 404

    response = client.post(f"/jobs/{mine.pk}/retry/", {"next": "/jobs/"})
    assert response.status_code == 302 and response.url == "/jobs/"
    mine.refresh_from_db()
    assert mine.status == JobStatus.QUEUED and mine.attempts == 0 and mine.error == ""
    assert AuditEntry.objects.filter(action="core.job.retried", actor=analyst).exists()
    jobs.execute(mine.pk)  # what the dispatch after the commit does
    mine.refresh_from_db()
    assert mine.status == JobStatus.SUCCEEDED and mine.attempts == 1


def test_a_kind_not_safe_to_retry_has_no_button(client, world, failed_jobs):
    mine, _ = failed_jobs
    jobs.RETRYABLE.discard(FLAKY)
    try:
        client.force_login(world.users["analyst"])
        page = client.get("/jobs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "could not be reached" in page and "retry-job-" not in page
        assert client.post(f"/jobs/{mine.pk}/retry/").status_code == 404
    finally:
        jobs.RETRYABLE.add(FLAKY)


def test_the_jobs_page_needs_a_login(client, db):
    assert client.get("/jobs/").status_code == 302


FAILURES = "/admin/core/failedjob/"


def test_county_administrators_see_their_countys_failures_only(client, world, failed_jobs):
    mine, elsewhere = failed_jobs
    Job.objects.create(kind=FLAKY, status=JobStatus.SUCCEEDED, county=world.county)
    client.force_login(world.users["county_admin"])
    page = client.get(FAILURES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be reached" in page and "Elsewhere broke" not in page
    assert "1 failed job" in page and "Long forgotten" not in page
    assert client.get(f"{FAILURES}{mine.pk}/change/").status_code == 200
    assert client.get(f"{FAILURES}{elsewhere.pk}/change/").status_code == 302  # not theirs
    # The outsider administers another county: none of this one's failures.
    client.force_login(world.users["other_county_admin"])
    page = client.get(FAILURES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be reached" not in page


def test_the_superuser_sees_all_failures_and_others_none(client, world, failed_jobs):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(FAILURES, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be reached" in page and "Elsewhere broke" in page
    for role in ("analyst", "buyer", "seller_staff"):
        client.force_login(world.users[role])
        assert client.get(FAILURES).status_code == 302  # to the admin's login


REDIS_URL = "redis://127.0.0.1:6379/7"  # the jobs suite's own database number


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_retries_a_transient_failure_and_fails_a_permanent_one(settings, tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    settings.REDIS_URL = REDIS_URL
    db = connection.settings_dict
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "COUNTYHUB_JOB_RETRIES": "3",
        "COUNTYHUB_JOB_RETRY_DELAY": "0.2",
        "COUNTYHUB_JOB_RETRY_MAX_DELAY": "1",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    with log_path.open("ab") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.core.flaky_worker"],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        once = jobs.submit(FLAKY, inputs={"fail": 1})
        broken = jobs.submit(FLAKY, inputs={"permanent": True})
        once = finished(once, log_path)
        assert once.status == JobStatus.SUCCEEDED, (once.error, log_path.read_text())
        assert once.attempts == 2 and once.result == {"attempts": 2}
        broken = finished(broken, log_path)
        assert broken.status == JobStatus.FAILED and broken.attempts == 1
        assert "ValueError" in broken.error
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.mark.django_db
def test_an_analysis_run_again_after_a_partial_attempt_gives_the_same_result(world, settings):
    """The analysis job is idempotent: a second attempt (after one that wrote its report and
    then failed, or a retry of a finished run) leaves the same results and one PDF."""
    from countyhub.analyses import services
    from countyhub.analyses.models import AnalysisKind, AnalysisRun
    from tests.analyses.support import CORP_REP, CORP_REP_MODEL, dataset_input

    analyst = world.users["analyst"]
    dataset = services.upload_dataset(
        county=world.county, actor=analyst, upload=dataset_input(CORP_REP.read_bytes())
    )
    run = services.start_run(
        county=world.county,
        actor=analyst,
        dataset=dataset,
        kind=AnalysisKind.PLS_SEM,
        model_syntax=CORP_REP_MODEL,
        options={"weighting": "path", "missing": "listwise", "resamples": 100},
        seed=3,
    )
    assert run.job.county == world.county
    jobs.execute(run.job_id, heartbeat=False)
    first = AnalysisRun.objects.get(pk=run.pk)
    storage = first.report_pdf.storage
    folder = first.report_pdf.name.rsplit("/", 1)[0]
    files = set(storage.listdir(folder)[1])  # other tests' runs may have left theirs too

    Job.objects.filter(pk=run.job_id).update(status=JobStatus.QUEUED)  # as a retry puts it
    jobs.execute(run.job_id, heartbeat=False)
    again = AnalysisRun.objects.get(pk=run.pk)
    assert again.job.status == JobStatus.SUCCEEDED and again.job.attempts == 2
    # The same numbers; only the provenance's time of computing moves.
    assert _timeless(again.results) == _timeless(first.results)
    assert again.report_pdf.name == first.report_pdf.name
    # The PDF replaced, not saved a second time under a made-up name.
    assert set(storage.listdir(folder)[1]) == files
    assert storage.open(again.report_pdf.name).read()


def _timeless(results: dict[str, Any]) -> dict[str, Any]:
    provenance = {k: v for k, v in results["provenance"].items() if k != "created"}
    return {**results, "provenance": provenance}


@pytest.mark.django_db
def test_a_failed_analysis_run_page_offers_its_user_a_retry(client, world):
    from django.urls import reverse

    from countyhub.analyses import services
    from countyhub.analyses.models import AnalysisKind
    from tests.analyses.support import CORP_REP, CORP_REP_MODEL, dataset_input

    analyst = world.users["analyst"]
    dataset = services.upload_dataset(
        county=world.county, actor=analyst, upload=dataset_input(CORP_REP.read_bytes())
    )
    run = services.start_run(
        county=world.county,
        actor=analyst,
        dataset=dataset,
        kind=AnalysisKind.PLS_SEM,
        model_syntax=CORP_REP_MODEL,
        options={"weighting": "path", "missing": "listwise", "resamples": 100},
        seed=3,
    )
    Job.objects.filter(pk=run.job_id).update(
        status=JobStatus.FAILED, error="The database or the job queue could not be reached"
    )
    url = reverse("analyses:run", args=[world.county.slug, run.pk])
    client.force_login(analyst)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be reached" in page and 'id="retry-job"' in page
    response = client.post(reverse("retry_job", args=[run.job_id]), {"next": url})
    assert response.status_code == 302 and response.url == url
    # Another analyst of the county sees the failure, not the button: the job is not theirs.
    other = UserFactory()
    world.county.memberships.create(user=other, role="analyst")
    Job.objects.filter(pk=run.job_id).update(
        status=JobStatus.FAILED, error="The database or the job queue could not be reached"
    )
    client.force_login(other)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "could not be reached" in page and 'id="retry-job"' not in page
