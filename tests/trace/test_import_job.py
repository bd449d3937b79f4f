"""The EPCIS document import runs as a background job (issue 19): in the web process without
Redis and on a real Celery worker, every event or none, its page its starter's only."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.trace.models import TraceEvent
from tests.analyses.support import wait_for
from tests.conftest import requires_postgres
from tests.job_worker import celery_worker, finished


@pytest.fixture(autouse=True)
def _english_and_fast_retries(settings):
    settings.COUNTYHUB_JOB_RETRY_DELAY = 0.01
    settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 0.05
    with translation.override("en"):
        yield


def post(client, world, document) -> Job:
    client.force_login(world.users["seller_staff"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    upload = SimpleUploadedFile("doc.json", json.dumps(document).encode())
    response = client.post(reverse("trace:import"), {"document": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.latest("pk")
    assert response.url == reverse("job", args=[job.pk])
    return job


def assert_imported(job: Job, fresh) -> None:
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["events"] == 6 and job.result["url"] == reverse("trace:batches")
    assert TraceEvent.objects.filter(batch=fresh).count() == 6


def assert_refused(job: Job, before: int) -> None:
    assert job.status == JobStatus.FAILED
    assert "nothing was imported" in job.error.splitlines()[0]
    assert "event 1, bizStep:" in job.error and "event 3, eventTimeZoneOffset:" in job.error
    assert TraceEvent.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_in_process_a_good_document_is_imported_and_its_page_says_so(client, world, documents):
    fresh, good, _bad = documents
    job = wait_for(post(client, world, good))
    assert_imported(job, fresh)
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "Imported 6 events." in page and f'href="{reverse("trace:batches")}"' in page


@pytest.mark.django_db(transaction=True)
def test_in_process_a_bad_document_fails_with_each_event_and_field(client, world, documents):
    before = TraceEvent.objects.count()
    assert_refused(wait_for(post(client, world, documents[2])), before)


@pytest.mark.django_db(transaction=True)
def test_the_job_page_is_its_starters_only_and_a_retry_imports_nothing_twice(
    client, world, documents
):
    fresh, good, _bad = documents
    job = wait_for(post(client, world, good))
    first = dict(job.result)
    for someone in ("other_seller_staff", "other_county_admin", "county_admin"):
        client.force_login(world.users[someone])
        assert client.get(reverse("job", args=[job.pk])).status_code == 404, someone
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="worker stopped")
    assert jobs.retry(job, actor=world.users["seller_staff"])
    job = wait_for(job)
    assert job.result == first  # not "every event is already recorded"
    assert_imported(job, fresh)


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_on_a_celery_worker_good_and_bad_documents(client, world, documents, settings, tmp_path):
    fresh, good, bad = documents
    before = TraceEvent.objects.count()
    with celery_worker(settings, tmp_path) as log:
        assert_refused(finished(post(client, world, bad), log), before)
        good_job = finished(post(client, world, good), log)
    assert_imported(good_job, fresh)
