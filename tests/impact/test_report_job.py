"""The annual impact report's PDF is a background job (issue 19, "Background work on Celery"):
made in a thread of the web process (the embedded default) or on a Celery worker, in the language
of the request that started it, and downloaded by its user only."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus, Membership
from countyhub.impact.report_jobs import REPORT_PDF
from tests.analyses.support import wait_for
from tests.conftest import requires_postgres
from tests.job_worker import celery_worker, finished

YEAR = 2025


def _pdf_text(content: bytes, folder: Path) -> str:
    path = folder / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _start(client, world, language="en", user="county_admin") -> Job:
    client.cookies["django_language"] = language
    client.force_login(world.users[user])
    response = client.post(reverse("impact:report_pdf", args=[world.county.slug, YEAR]))
    job = Job.objects.filter(kind=REPORT_PDF).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    return job


def _download(client, job: Job) -> bytes:
    response = client.get(reverse("job_file", args=[job.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


@pytest.mark.django_db(transaction=True)
def test_the_report_is_made_in_a_thread_and_downloaded_by_its_user(client, world, tmp_path):
    job = _start(client, world)
    assert job.inputs == {"county": world.county.pk, "year": YEAR} and job.language == "en"
    assert job.county == world.county
    audit = AuditEntry.objects.get(action="impact.report_pdf.started")
    assert audit.changes == {"job": job.pk, "year": YEAR}
    job = wait_for(job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.done == job.total == 2
    assert job.output_name == f"impact-report-{world.county.slug}-{YEAR}.pdf"
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert f"Download impact-report-{world.county.slug}-{YEAR}.pdf" in page
    assert reverse("impact:report", args=[world.county.slug, YEAR]) in page  # See the result
    text = _pdf_text(_download(client, job), tmp_path)
    assert "Annual impact report" in text and world.county.name in text and str(YEAR) in text


@pytest.mark.django_db
def test_the_report_is_in_the_language_of_its_request(client, world, tmp_path):
    job = _start(client, world, language="zh-hans")
    jobs.execute(job.pk, heartbeat=False)
    text = _pdf_text(_download(client, job), tmp_path)
    assert "年度影响报告" in text and "Annual impact report" not in text


@pytest.mark.django_db
def test_another_county_or_user_gets_neither_the_page_nor_the_file(client, world):
    job = _start(client, world, user="analyst")
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    for other in ("other_county_admin", "county_admin", "seller_staff"):
        client.force_login(world.users[other])
        for name in ("job", "job_file", "job_progress"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
    client.force_login(world.users["other_county_admin"])
    url = reverse("impact:report_pdf", args=[world.county.slug, YEAR])
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405  # a job is started by a POST only
    client.force_login(world.users["county_admin"])
    assert (
        client.post(reverse("impact:report_pdf", args=[world.county.slug, 1999])).status_code == 404
    )
    assert Job.objects.filter(kind=REPORT_PDF).count() == 1


@pytest.mark.django_db
def test_the_view_makes_no_pdf_and_a_reader_removed_meanwhile_is_told(client, world):
    job = _start(client, world, user="analyst")
    assert job.status == JobStatus.QUEUED and not job.output_file  # nothing made in the request
    Membership.objects.filter(user=world.users["analyst"], county=world.county).delete()
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "You may no longer read this county's impact report."


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_makes_the_report(client, world, settings, tmp_path):
    with celery_worker(settings, tmp_path) as log:
        job = finished(_start(client, world, language="zh-hans"), log)
    assert job.status == JobStatus.SUCCEEDED, (job.error, log.read_text())
    text = _pdf_text(_download(client, job), tmp_path)
    assert "年度影响报告" in text and world.county.name in text and str(YEAR) in text
    client.force_login(world.users["other_county_admin"])
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404
