"""Jobs that take an uploaded file and make one (issue 19, "Background work on Celery"): the
upload is kept with the job so a worker on another host reads it, the file made is downloaded
from the job's page by its user only, a retry leaves one file, and old files are deleted."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from tests.conftest import requires_postgres
from tests.core.file_job_kinds import UPPER
from tests.factories.core import UserFactory
from tests.job_worker import celery_worker, finished


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.COUNTYHUB_JOB_RETRY_DELAY = 0.01
    settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 0.05
    with translation.override("en"):
        yield


def _submit(user=None, **inputs) -> Job:
    upload = SimpleUploadedFile("名单.csv", "abc\n鸡蛋 egg\n".encode(), "text/csv")
    return jobs.submit(UPPER, inputs=inputs, created_by=user, input_file=upload)


def _made_files(job: Job) -> list[str]:
    storage = job.output_file.storage
    try:
        return storage.listdir(f"jobs/out/{job.pk}/")[1]
    except FileNotFoundError:
        return []


@pytest.mark.django_db
def test_the_upload_is_kept_with_the_job_and_the_file_made_is_kept_too(settings):
    job = _submit()
    assert job.input_file.name.startswith("jobs/in/") and job.input_file.name.endswith(".csv")
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.output_name == "大写.txt" and job.output_type.startswith("text/plain")
    assert job.result == {
        "lines": 2,
        "url": "/jobs/",
        "language": "en",
        "bytes": len("ABC\n鸡蛋 EGG".encode()),
    }
    with job.output_file.open("rb") as made:
        assert made.read().decode() == "ABC\n鸡蛋 EGG"


@pytest.mark.django_db
def test_a_retried_job_leaves_one_file():
    job = _submit(fail=1)
    # What an attempt leaves when it saved its file and then lost the database.
    job.output_file.storage.save(f"jobs/out/{job.pk}/half.txt", ContentFile(b"half"))
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
    assert _made_files(job) == [job.output_file.name.rsplit("/", 1)[1]]


@pytest.mark.django_db
def test_only_the_jobs_user_sees_its_page_and_downloads_its_file(client, settings):
    owner, other = UserFactory(), UserFactory()
    job = _submit(owner)
    jobs.execute(job.pk, heartbeat=False)
    page, download = reverse("job", args=[job.pk]), reverse("job_file", args=[job.pk])
    client.force_login(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.get(page)
    assert response.status_code == 200
    assert "Download 大写.txt" in response.content.decode()
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "ABC\n鸡蛋 EGG"
    assert "attachment" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get(reverse("job_progress", args=[job.pk])).json()["has_file"] is True
    client.force_login(other)
    for url in (page, download, reverse("job_progress", args=[job.pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("cancel_job", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302  # to the log-in page


@pytest.mark.django_db
def test_a_queued_job_is_cancelled_from_its_page(client):
    owner = UserFactory()
    job = Job.objects.create(kind=UPPER, created_by=owner)  # never dispatched
    client.force_login(owner)
    response = client.post(reverse("cancel_job", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_old_jobs_files_are_deleted_and_the_page_says_so(client, settings):
    owner = UserFactory()
    settings.COUNTYHUB_JOB_FILES_DAYS = 7
    old, recent = _submit(owner), _submit(owner)
    for job in (old, recent):
        jobs.execute(job.pk, heartbeat=False)
        job.refresh_from_db()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(days=8))
    assert jobs.delete_old_files() == 2  # the old job's upload and its file
    assert jobs.delete_old_files() == 0
    kept = old.input_file.storage
    old_names = [old.input_file.name, old.output_file.name]
    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old.input_file and not old.output_file and old.output_name == "大写.txt"
    assert not any(kept.exists(name) for name in old_names)
    assert kept.exists(recent.input_file.name) and kept.exists(recent.output_file.name)
    client.force_login(owner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "The file was deleted" in client.get(reverse("job", args=[old.pk])).content.decode()
    assert client.get(reverse("job_file", args=[old.pk])).status_code == 404


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_in_another_process_reads_the_upload_and_keeps_its_file(settings, tmp_path):
    with celery_worker(settings, tmp_path, "tests.core.file_job_kinds") as log:
        job = finished(_submit(fail=1), log)
    assert job.status == JobStatus.SUCCEEDED, (job.error, log.read_text())
    assert job.attempts == 2
    with job.output_file.open("rb") as made:
        assert made.read().decode() == "ABC\n鸡蛋 EGG"


def test_the_job_page_goes_on_to_a_result_with_nothing_to_read_on_it():
    done = JobStatus.SUCCEEDED
    to_run = Job(kind=UPPER, status=done, result={"url": "/c/x/programs/payouts/3/"})
    imported = Job(kind=UPPER, status=done, result={"url": "/x/", "summary": "3 products"})
    failed = Job(kind=UPPER, status=JobStatus.FAILED, result={"url": "/x/"})
    assert jobs.job_progress(to_run)["next_url"] == "/c/x/programs/payouts/3/"
    assert jobs.job_progress(imported)["next_url"] == ""  # its counts are on the job's page
    assert jobs.job_progress(failed)["next_url"] == ""


@pytest.mark.django_db
def test_a_job_speaks_the_language_of_the_page_that_queued_it():
    with translation.override("zh-hans"):
        job = _submit()
    jobs.execute(job.pk, heartbeat=False)  # the test itself runs in English
    job.refresh_from_db()
    assert job.language == "zh-hans" and job.result["language"] == "zh-hans"
