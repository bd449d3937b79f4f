"""A closed station day's PDF is a background job (issue 19): made in a thread of the web process
(the embedded default) or on a Celery worker, downloaded by the operator who asked for it only."""

from __future__ import annotations

import subprocess

import pytest
from django.utils import timezone

from countyhub.core.models import AuditEntry, Job, JobStatus
from countyhub.shop import services
from countyhub.shop.day_sheet_jobs import DAY_SHEET_PDF
from tests.analyses.support import wait_for
from tests.conftest import requires_postgres
from tests.job_worker import celery_worker, finished
from tests.shop.test_station_views import shipped


def _closed_day(world):
    operator = world.users["station_operator"]
    order = shipped(world)
    services.receive_at_station(order=order, actor=operator)
    services.hand_over(order=order, actor=operator, code=order.pickup_code, cash_collected="25")
    closed = services.close_station_day(
        station=world.station, day=timezone.localdate(), actor=operator, cash_counted="25"
    )
    return closed, order


def _start(client, world, closed) -> Job:
    client.force_login(world.users["station_operator"])
    response = client.post(f"/station/days/{closed.pk}/sheet-pdf/")
    job = Job.objects.get(kind=DAY_SHEET_PDF)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.inputs == {"day": closed.pk}  # the record, not its sheet: the job makes it
    assert AuditEntry.objects.filter(action="shop.day_sheet_pdf.started").count() == 1
    return job


def _check(client, world, job, order, tmp_path) -> None:
    assert job.status == JobStatus.SUCCEEDED, job.error
    download = client.get(f"/jobs/{job.pk}/file/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    path = tmp_path / "day.pdf"
    path.write_bytes(b"".join(download.streaming_content))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert order.number in text and "¥25.00" in text
    for other in ("county_admin", "seller_staff", "other_county_admin"):
        client.force_login(world.users[other])
        assert client.get(f"/jobs/{job.pk}/").status_code == 404, other
        assert client.get(f"/jobs/{job.pk}/file/").status_code == 404, other


@pytest.mark.django_db(transaction=True)
def test_the_day_sheet_is_made_in_a_thread(client, world, tmp_path):
    closed, order = _closed_day(world)
    job = wait_for(_start(client, world, closed))
    assert job.output_name == f"station-day-{world.station.pk}-{closed.day:%Y%m%d}.pdf"
    assert job.result["url"] == f"/station/days/{closed.pk}/"
    _check(client, world, job, order, tmp_path)


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_makes_the_day_sheet(client, world, settings, tmp_path):
    closed, order = _closed_day(world)
    with celery_worker(settings, tmp_path) as log:
        job = finished(_start(client, world, closed), log)
    assert job.status == JobStatus.SUCCEEDED, (job.error, log.read_text())
    _check(client, world, job, order, tmp_path)
