"""A channel's order file is imported by a background job (issue 19): in the web process without
Redis and on a real Celery worker; bad rows, shortages and unreadable files fail the job with
what is wrong and save nothing; bad orders left out on request are named; an attempt after
the commit imports nothing twice; the page is its starter's only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from countyhub.catalog.models import Stock
from countyhub.channels import import_job
from countyhub.channels.models import ChannelOrder
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus
from countyhub.shop.models import Order
from tests.analyses.support import wait_for
from tests.conftest import requires_postgres
from tests.job_worker import celery_worker, finished

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fast_retries(client, settings):
    settings.COUNTYHUB_JOB_RETRY_DELAY = 0.01
    settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 0.05
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def page(world) -> str:
    return reverse("channels:channel", args=[world.county.slug, "taobao"])


def order_file(*rows: tuple[str, str, str], name: str = "ExportOrderList.csv"):
    text = "订单编号,商家编码,购买数量\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in rows)
    return SimpleUploadedFile(name, text.encode("gbk"), "text/csv")


def queued(client, world, upload, user: str = "seller_staff", **fields: str) -> Job:
    client.force_login(world.users[user])
    response = client.post(page(world), {"file": upload, **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    assert response.url == reverse("job", args=[job.pk])
    return job


def sold(world) -> int:
    return int(Stock.objects.get(product=world.product).allocated)


def test_a_good_file_is_imported_and_the_queueing_audited(world, channel, client):
    job = wait_for(queued(client, world, order_file(("101", "A-1", "1"), ("102", "A-1", "2"))))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["imported"], job.result["existing"], job.result["skipped"]) == (2, 0, 0)
    assert job.result["url"] == page(world)
    assert set(ChannelOrder.objects.values_list("external_id", flat=True)) == {"101", "102"}
    assert sold(world) == 3
    entry = AuditEntry.objects.get(action="channel.import.queued")
    assert entry.actor == world.users["seller_staff"] and entry.county == world.county
    assert entry.changes["channel"] == "taobao" and entry.changes["file"] == "ExportOrderList.csv"
    html = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "2 orders imported, 0 imported before." in html and 'id="job-details"' not in html


def test_bad_orders_left_out_on_request_are_named_under_the_summary(world, channel, client):
    upload = order_file(("101", "A-1", "1"), ("102", "A-X", "1"), ("103", "A-1", "1"))
    job = wait_for(queued(client, world, upload, skip_bad_rows="on"))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["imported"], job.result["skipped"]) == (2, 1)
    assert len(job.result["details"]) == 1 and job.result["details"][0].startswith("row 3, ")
    assert "A-X" in job.result["details"][0]
    html = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "2 orders imported, 0 imported before. 1 orders with bad rows left out." in html
    assert 'id="job-details"' in html and "A-X" in html
    assert set(ChannelOrder.objects.values_list("external_id", flat=True)) == {"101", "103"}


def test_a_shortage_fails_the_job_naming_the_product_and_saves_nothing(world, channel, client):
    available = int(Stock.objects.get(product=world.product).available)
    job = wait_for(queued(client, world, order_file(("101", "A-1", str(available + 1)))))
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Not enough stock: nothing was imported.")
    assert f"{world.product.name}: {available + 1} ordered, {available} available" in job.error
    assert Order.objects.count() == 0 and sold(world) == 0


def test_an_unreadable_file_fails_the_job_with_the_reason(world, channel, client):
    upload = SimpleUploadedFile("orders.csv", "商品,数量\r\nx,1\r\n".encode(), "text/csv")
    job = wait_for(queued(client, world, upload))
    assert job.status == JobStatus.FAILED and "orders.csv has no column" in job.error
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Choose a file."),
        (SimpleUploadedFile("orders.txt", b"101,A-1,1"), "Upload a .csv or .xlsx file."),
    ],
)
def test_the_page_refuses_what_it_cannot_queue(world, channel, client, upload, message):
    client.force_login(world.users["seller_staff"])
    response = client.post(page(world), {"file": upload} if upload else {})
    assert response.status_code == 400 and message in response.content.decode()
    assert not Job.objects.exists()


def test_an_attempt_after_the_commit_imports_nothing_twice(world, channel, client):
    job = wait_for(queued(client, world, order_file(("101", "A-1", "1"), ("102", "A-1", "2"))))
    first = dict(job.result)
    # As if its worker died between the import's commit and the job's end: "Try again".
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="worker stopped")
    assert jobs.retry(job, actor=world.users["seller_staff"])
    job = wait_for(job)
    assert job.status == JobStatus.SUCCEEDED and job.result == first
    assert ChannelOrder.objects.count() == 2 and sold(world) == 3


def test_a_seller_who_lost_the_channel_gets_a_failed_job(world, channel):
    # Queued while the user still worked for the seller; run after they left it.
    lost = Job(
        kind=import_job.JOB_KIND,
        inputs={"channel": channel.pk, "filename": "orders.csv", "skip_bad_rows": False},
        created_by=world.users["seller_staff"],
        county=world.county,
        language="en",
    )
    lost.input_file.save("orders.csv", order_file(("101", "A-1", "1")))
    world.seller.staff.remove(world.users["seller_staff"])
    jobs.execute(lost.pk)
    lost.refresh_from_db()
    assert lost.status == JobStatus.FAILED
    assert lost.error == "You may no longer import this channel's orders."
    assert not ChannelOrder.objects.exists()


def test_the_job_page_is_its_starters_only(world, channel, client):
    job = wait_for(queued(client, world, order_file(("101", "A-1", "1"))))
    for someone in ("other_seller_staff", "other_county_admin", "county_admin", "buyer"):
        client.force_login(world.users[someone])
        assert client.get(reverse("job", args=[job.pk])).status_code == 404, someone
        assert client.get(reverse("job_progress", args=[job.pk])).status_code == 404, someone


@requires_postgres
@pytest.mark.slow
def test_on_a_celery_worker_a_bad_then_a_fixed_file(world, channel, client, settings, tmp_path):
    with celery_worker(settings, tmp_path) as log:
        bad = finished(queued(client, world, order_file(("101", "A-X", "1"))), log)
        good = finished(queued(client, world, order_file(("101", "A-1", "1"))), log)
    assert bad.status == JobStatus.FAILED and "row 2, " in bad.error
    assert good.status == JobStatus.SUCCEEDED, good.error
    assert good.result["imported"] == 1 and sold(world) == 1
