"""The survey answers import runs as a background job (issue 19): in the web process without
Redis and on a real Celery worker, every row or none, its page its starter's only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.surveys import import_job
from countyhub.surveys.models import Submission
from tests.analyses.support import wait_for
from tests.conftest import requires_postgres
from tests.job_worker import celery_worker, finished

GOOD = b"ec/ec1,ec/ec2,income,_uuid\n4,5,100,u1\n3,2,200,u2\n"
BAD = b"ec/ec1,ec/ec2,income,_uuid\n4,5,100,u1\n7,2,abc,u2\n"


@pytest.fixture(autouse=True)
def _english_and_fast_retries(settings):
    settings.COUNTYHUB_JOB_RETRY_DELAY = 0.01
    settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 0.05
    with translation.override("en"):
        yield


def post(client, field, content: bytes) -> Job:
    client.force_login(field.world.users["analyst"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    upload = SimpleUploadedFile("kobo.csv", content, "text/csv")
    response = client.post(
        reverse("surveys:answers_import", args=[field.world.county.slug]),
        {"questionnaire": field.questionnaire.pk, "file": upload},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.latest("pk")
    assert response.url == reverse("job", args=[job.pk])
    return job


def assert_imported(field, job: Job) -> None:
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["created"], job.result["repeated"]) == (2, 0)
    assert job.result["url"] == reverse("surveys:list", args=[field.world.county.slug])
    assert Submission.objects.filter(instance_id__in=["uuid:u1", "uuid:u2"]).count() == 2


def assert_refused(job: Job) -> None:
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Nothing was imported from kobo.csv: 2 problems.")
    assert "row 3, column ec/ec1: 7 is outside the scale 1–5" in job.error
    assert "row 3, column income: abc is not a number" in job.error
    assert not Submission.objects.exists()  # row 2 was good, and still nothing was saved


@pytest.mark.django_db(transaction=True)
def test_in_process_a_good_export_is_imported_and_its_page_says_so(client, field):
    job = wait_for(post(client, field, GOOD))
    assert_imported(field, job)
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "2 answers imported, 0 were here already." in page


@pytest.mark.django_db(transaction=True)
def test_in_process_a_bad_export_fails_with_its_cells_and_saves_nothing(client, field):
    assert_refused(wait_for(post(client, field, BAD)))


def test_the_job_refuses_a_starter_who_no_longer_reads_the_surveys(field):
    analyst = field.world.users["analyst"]
    upload = SimpleUploadedFile("kobo.csv", GOOD, "text/csv")
    job = import_job.start(actor=analyst, questionnaire=field.questionnaire, upload=upload)
    analyst.memberships.all().delete()
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == f"You may no longer import answers in {field.world.county.name}."
    assert not Submission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_job_page_is_its_starters_only_and_a_retry_imports_nothing_twice(client, field):
    job = wait_for(post(client, field, GOOD))
    first = dict(job.result)
    for someone in ("county_admin", "other_county_admin", "enumerator"):
        client.force_login(field.world.users[someone])
        assert client.get(reverse("job", args=[job.pk])).status_code == 404, someone
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="worker stopped")
    assert jobs.retry(job, actor=field.world.users["analyst"])
    job = wait_for(job)
    assert job.result == first  # not "0 imported, 2 here already"
    assert_imported(field, job)


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_on_a_celery_worker_good_and_bad_exports(client, field, settings, tmp_path):
    with celery_worker(settings, tmp_path) as log:
        assert_refused(finished(post(client, field, BAD), log))
        good = finished(post(client, field, GOOD), log)
    assert_imported(field, good)
