"""The products import runs as a background job (issue 19): in the web process without Redis
and on a real Celery worker, all rows or none, idempotent, its page its starter's only."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from countyhub.catalog import import_job
from countyhub.catalog.models import Product
from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from tests.analyses.support import wait_for
from tests.conftest import requires_postgres
from tests.job_worker import celery_worker, finished

HEADER = "id,name,name_en,category,brand,unit,price,stock,gtin,active\n"


@pytest.fixture(autouse=True)
def _english_and_fast_retries(settings):
    settings.COUNTYHUB_JOB_RETRY_DELAY = 0.01
    settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 0.05
    with translation.override("en"):
        yield


def new_row(world, name="新苹果", price="12.50"):
    category, brand = world.product.category.slug, world.product.brand.slug
    return f",{name},New apples,{category},{brand},kg,{price},30,,yes\n"


def good_file(world) -> io.BytesIO:
    upload = io.BytesIO(
        (HEADER + new_row(world) + f"{world.product.pk},,,,,,19.90,45,,\n").encode("gb18030")
    )
    upload.name = "产品.csv"
    return upload


def bad_file(world) -> io.BytesIO:
    upload = io.BytesIO((HEADER + new_row(world) + new_row(world, "坏价格", "abc")).encode())
    upload.name = "bad.csv"
    return upload


def post(client, world, upload, user="seller_staff") -> Job:
    client.force_login(world.users[user])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        reverse("catalog:import_products", args=[world.county.slug]), {"file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.get(pk=int(response.url.rstrip("/").rsplit("/", 1)[1]))
    assert response.url == reverse("job", args=[job.pk])
    return job


def assert_imported(world, job: Job) -> None:
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["created"] == 1 and job.result["updated"] == 1
    assert job.result["url"] == reverse("shop:seller_dashboard")
    assert Product.objects.filter(name="新苹果", seller=world.seller).count() == 1
    world.product.refresh_from_db()
    assert world.product.price == Decimal("19.90")


def assert_refused(job: Job, before: int) -> None:
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Nothing was changed. Fix these and upload again:")
    assert "row 3, column price: Not a number." in job.error
    assert Product.objects.count() == before  # row 2 was good, and still nothing was written


@pytest.mark.django_db(transaction=True)
def test_in_process_a_good_file_is_imported_and_its_page_links_to_the_result(world, client):
    job = wait_for(post(client, world, good_file(world)))
    assert_imported(world, job)
    assert job.total == 2 and job.done == 2
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "1 products created, 1 updated." in page
    assert f'href="{reverse("shop:seller_dashboard")}"' in page


@pytest.mark.django_db(transaction=True)
def test_in_process_a_bad_file_fails_the_job_with_row_and_column_and_saves_nothing(world, client):
    before = Product.objects.count()
    job = wait_for(post(client, world, bad_file(world)))
    assert_refused(job, before)
    page = client.get(reverse("job", args=[job.pk])).content.decode()
    assert "Fix these and upload again:<br>row 3, column price: Not a number." in page


@pytest.mark.django_db(transaction=True)
def test_the_job_page_is_its_starters_only(world, client):
    job = wait_for(post(client, world, good_file(world)))
    for someone in ("other_seller_staff", "other_county_admin", "county_admin", "buyer"):
        client.force_login(world.users[someone])
        assert client.get(reverse("job", args=[job.pk])).status_code == 404, someone
        assert client.get(reverse("job_progress", args=[job.pk])).status_code == 404, someone


@pytest.mark.django_db(transaction=True)
def test_a_job_attempted_again_after_its_import_committed_imports_nothing_twice(world, client):
    job = wait_for(post(client, world, good_file(world)))
    first = dict(job.result)
    # As if its worker died between the import's commit and the job's end, and the reaper
    # failed it: the user's "Try again" runs it once more.
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="worker stopped")
    assert jobs.retry(job, actor=world.users["seller_staff"])
    job = wait_for(job)
    assert job.status == JobStatus.SUCCEEDED and job.result == first
    assert_imported(world, job)


@pytest.mark.django_db(transaction=True)
def test_a_seller_who_lost_the_right_to_import_gets_a_failed_job(world, client):
    job = Job.objects.create(
        kind=import_job.JOB_KIND,
        inputs={"county": world.county.pk, "filename": "x.csv"},
        created_by=world.users["buyer"],
        language="en",
    )
    jobs.execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "no longer import products" in job.error


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_on_a_celery_worker_good_and_bad_files(world, client, settings, tmp_path):
    before = Product.objects.count()
    with celery_worker(settings, tmp_path) as log:
        assert_refused(finished(post(client, world, bad_file(world)), log), before)
        good = finished(post(client, world, good_file(world)), log)
    assert_imported(world, good)


def _worker_children() -> list[int]:
    """The pool processes of the test's own worker (children of the `tests.job_worker` child
    of this process, not of its redis-server): the process that runs a job."""

    def children(pid: int) -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
        return found

    def is_worker(pid: int) -> bool:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                return b"tests.job_worker" in cmdline.read()
        except OSError:
            return False

    workers = [pid for pid in children(os.getpid()) if is_worker(pid)]
    return [pool for worker in workers for pool in children(worker)]


@contextlib.contextmanager
def _audit_entries_held() -> Iterator[None]:
    """Hold the audit table against writes from another connection (a SHARE lock): the import
    then stops at its first product's audit entry, inside its transaction with that product
    written, until the block ends. Waiting for a query to show up instead raced a fast import."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"]
    ) as holder:
        holder.execute("LOCK TABLE core_auditentry IN SHARE MODE")
        yield
        holder.rollback()


def _import_held(log: Path) -> list[int]:
    """The backends of the import, once it waits on the held audit table."""
    deadline = time.monotonic() + 120
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query ILIKE %s",
                ["%core_auditentry%"],
            )
            waiting = [pid for (pid,) in cursor.fetchall()]
        if waiting:
            return waiting
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.02)


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_leaves_nothing_and_the_retry_imports_all_once(
    world, client, settings, tmp_path
):
    rows = 400
    upload = io.BytesIO(
        (HEADER + "".join(new_row(world, f"批量{i}") for i in range(rows))).encode()
    )
    upload.name = "many.csv"
    before = Product.objects.count()
    with celery_worker(settings, tmp_path) as log:
        job = post(client, world, upload)
        with _audit_entries_held():
            _import_held(log)
            (pool,) = _worker_children()
            os.kill(pool, signal.SIGKILL)  # mid-transaction: PostgreSQL rolls it back
            time.sleep(1)
            job.refresh_from_db()
            assert job.status == JobStatus.RUNNING  # its heartbeat stopped with it
            assert Product.objects.count() == before
        settings.COUNTYHUB_JOB_STALE_SECONDS = 0.5
        time.sleep(1)
        job = jobs.reap_if_stale(job)
        assert job.status == JobStatus.FAILED and "The worker stopped" in job.error
        assert Product.objects.count() == before
        # The pool has a new process by now; the user's "Try again" runs the import whole.
        assert jobs.retry(job, actor=world.users["seller_staff"])
        job = finished(job, log, timeout=300)
    assert job.status == JobStatus.SUCCEEDED, (job.error, log.read_text())
    assert job.result["created"] == rows and job.attempts == 1
    assert Product.objects.filter(name__startswith="批量").count() == rows
    assert Product.objects.count() == before + rows


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_cut_mid_import_is_retried_and_imports_all_once(
    world, client, settings, tmp_path
):
    rows = 400
    upload = io.BytesIO(
        (HEADER + "".join(new_row(world, f"断线{i}") for i in range(rows))).encode()
    )
    upload.name = "many.csv"
    before = Product.objects.count()
    with celery_worker(settings, tmp_path) as log:
        job = post(client, world, upload)
        with _audit_entries_held():
            (pid,) = _import_held(log)
            with connection.cursor() as cursor:  # the server ends the import's connection
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
                assert cursor.fetchone() == (True,)
        job = finished(job, log, timeout=300)
    assert job.status == JobStatus.SUCCEEDED, (job.error, log.read_text())
    assert job.attempts == 2 and job.result["created"] == rows
    assert Product.objects.filter(name__startswith="断线").count() == rows
    assert Product.objects.count() == before + rows
