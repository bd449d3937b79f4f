"""Label sheets are background jobs (issue 19, "Background work on Celery"): the view queues the
job and sends its user to the job's page, the sheet is made in a thread of the web process (the
embedded default) or on a Celery worker, and only its user downloads it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus
from countyhub.trace.label_sheets import LABEL_SHEET
from countyhub.trace.models import Batch
from tests.analyses.support import wait_for
from tests.conftest import requires_postgres
from tests.job_worker import celery_worker, finished


def _pdf_text(content: bytes, folder: Path) -> str:
    path = folder / "sheet.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _start(client, world, batch, count=9) -> tuple[Job, object]:
    client.force_login(world.users["seller_staff"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = reverse("trace:label_sheet", args=[batch.pk])
    response = client.post(url, {"rows": 4, "columns": 2, "count": count})
    job = Job.objects.get(kind=LABEL_SHEET)
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    return job, response


@pytest.mark.django_db(transaction=True)
def test_the_sheet_is_made_in_a_thread_and_downloaded_by_its_user(client, world, traced_batch):
    job, _response = _start(client, world, traced_batch)
    # What identifies the sheet, not its content: the handler rebuilds the label.
    assert job.inputs == {"batch": traced_batch.pk, "rows": 4, "columns": 2, "count": 9}
    assert job.language == "en"  # the page's: the job's messages are written in it
    assert job.created_by == world.users["seller_staff"] and job.county == world.county
    audit = AuditEntry.objects.get(action="trace.label_sheet.started")
    assert audit.changes["job"] == job.pk and audit.actor == world.users["seller_staff"]
    job = wait_for(job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.done == job.total == 9
    assert job.output_name == f"labels-{traced_batch.lot}.pdf"
    assert job.result["url"] == traced_batch.get_absolute_url()
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert f"Download labels-{traced_batch.lot}.pdf" in page
    download = client.get(reverse("job_file", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]


@pytest.mark.django_db
def test_the_pdf_holds_the_labels_and_only_its_user_gets_it(client, world, traced_batch, tmp_path):
    job, _response = _start(client, world, traced_batch, count=3)
    jobs.execute(job.pk, heartbeat=False)
    download = client.get(reverse("job_file", args=[job.pk]))
    text = _pdf_text(b"".join(download.streaming_content), tmp_path)
    assert text.count(f"Lot {traced_batch.lot}") == 3
    assert traced_batch.product.name in text
    for other in ("other_seller_staff", "county_admin", "other_county_admin", "buyer"):
        client.force_login(world.users[other])
        for name in ("job", "job_file", "job_progress"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
        assert client.post(reverse("cancel_job", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_the_view_makes_no_pdf(client, world, traced_batch, monkeypatch):
    """The request only queues the job: the sheet is drawn by the job, never by the view."""
    from countyhub.gs1 import labels

    drawn = []
    real = labels.label_sheet_pdf
    monkeypatch.setattr(labels, "label_sheet_pdf", lambda *a, **k: drawn.append(1) or real(*a, **k))
    job, response = _start(client, world, traced_batch, count=1000)
    assert drawn == [] and job.status == JobStatus.QUEUED
    assert b"%PDF" not in response.content


@pytest.mark.django_db
def test_a_batch_gone_or_a_seller_removed_fails_the_job_saying_why(client, world, traced_batch):
    job, _response = _start(client, world, traced_batch)
    Batch.objects.filter(pk=traced_batch.pk).update(seller=world.other_seller)
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == "You may no longer print this batch's labels."
    assert not job.output_file
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "You may no longer print this batch" in page


@pytest.mark.django_db
def test_a_case_sheet_has_its_sscc(client, world, seller_user, batch, tmp_path):
    from decimal import Decimal

    from countyhub.trace import services
    from countyhub.trace.services import LotQuantity

    case = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(2))])
    client.force_login(world.users["seller_staff"])
    url = reverse("trace:container_label_sheet", args=[case.pk])
    assert client.post(url, {"rows": 2, "columns": 1, "count": 2}).status_code == 302
    job = Job.objects.get(kind=LABEL_SHEET)
    assert job.inputs["container"] == case.pk
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    text = _pdf_text(job.output_file.open("rb").read(), tmp_path)
    assert text.count(f"SSCC (00) {case.sscc}") == 2  # two labels, one per side
    client.force_login(world.users["other_seller_staff"])
    assert client.post(url, {"rows": 2, "columns": 1, "count": 2}).status_code == 403
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_makes_the_sheet(client, world, traced_batch, settings, tmp_path):
    with celery_worker(settings, tmp_path) as log:
        job, _response = _start(client, world, traced_batch)
        job = finished(job, log)
    assert job.status == JobStatus.SUCCEEDED, (job.error, log.read_text())
    assert job.done == job.total == 9
    download = client.get(reverse("job_file", args=[job.pk]))
    text = _pdf_text(b"".join(download.streaming_content), tmp_path)
    assert text.count(f"Lot {traced_batch.lot}") == 9
    client.force_login(world.users["other_seller_staff"])
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404
