"""Background jobs: in a thread without Redis, on Celery with a real worker process with it; a
job whose worker died is reported failed, never left "running"."""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone, translation

from countyhub.analyses import services
from countyhub.analyses.models import AnalysisKind
from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from tests.analyses.support import CORP_REP, CORP_REP_MODEL, dataset_input, wait_for
from tests.conftest import requires_postgres

REDIS_URL = "redis://127.0.0.1:6379/7"  # this suite's own database number


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_a_running_job_without_a_recent_heartbeat_is_failed(settings):
    settings.COUNTYHUB_JOB_STALE_SECONDS = 60
    old = timezone.now() - datetime.timedelta(minutes=5)
    job = Job.objects.create(kind="analyses.run", status=JobStatus.RUNNING, heartbeat=old)
    fresh = Job.objects.create(
        kind="analyses.run", status=JobStatus.RUNNING, heartbeat=timezone.now()
    )
    assert jobs.reap_if_stale(job).status == JobStatus.FAILED
    assert "no sign of life" in job.error and job.finished_at is not None
    assert jobs.reap_if_stale(fresh).status == JobStatus.RUNNING


@pytest.mark.django_db
def test_a_queued_job_is_cancelled_at_once_and_never_runs():
    job = Job.objects.create(kind="analyses.run", inputs={"run": 0})
    jobs.request_cancel(job)
    jobs.execute(job.pk)  # a message delivered after the cancel: nothing runs
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.started_at is None


def _start_worker(tmp_path: Path) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "REDIS_URL": REDIS_URL,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "COUNTYHUB_PRIVATE_ROOT": str(django_settings.STORAGES["private"]["OPTIONS"]["location"]),
    }
    log = (tmp_path / "worker.log").open("ab")
    # Its own process group: the test kills the worker with all its children, as a crash would.
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("countyhub")), "worker", "--loglevel", "warning"],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def _stop(worker: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, sig)
        worker.wait(timeout=30)


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield
    client.flushdb()


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_a_job_and_a_killed_worker_leaves_it_failed(
    world, settings, tmp_path, redis_db
):
    settings.REDIS_URL = REDIS_URL
    settings.COUNTYHUB_JOB_HEARTBEAT_SECONDS = 0.5
    settings.COUNTYHUB_JOB_STALE_SECONDS = 3
    analyst = world.users["analyst"]
    dataset = services.upload_dataset(
        county=world.county, actor=analyst, upload=dataset_input(CORP_REP.read_bytes())
    )

    def start(resamples: int):
        return services.start_run(
            county=world.county,
            actor=analyst,
            dataset=dataset,
            kind=AnalysisKind.PLS_SEM,
            model_syntax=CORP_REP_MODEL,
            options={"weighting": "path", "missing": "listwise", "resamples": resamples},
            seed=1,
        )

    worker = _start_worker(tmp_path)
    try:
        done = start(200)
        job = wait_for(done.job, timeout=120)
        assert job.status == JobStatus.SUCCEEDED, (job.error, (tmp_path / "worker.log").read_text())
        assert job.done == 200

        doomed = start(10_000).job
        deadline = time.monotonic() + 60
        while not (doomed.status == JobStatus.RUNNING and doomed.done > 0):
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.05)
            doomed.refresh_from_db()
        _stop(worker, signal.SIGKILL)
        assert jobs.reap_if_stale(doomed).status == JobStatus.RUNNING  # not stale yet
        time.sleep(3.5)
        assert jobs.reap_if_stale(doomed).status == JobStatus.FAILED
        assert "no sign of life" in doomed.error

        # A new worker takes new work; the failed job stays failed (it is not run twice).
        worker = _start_worker(tmp_path)
        after = wait_for(start(200).job, timeout=120)
        assert after.status == JobStatus.SUCCEEDED
        doomed.refresh_from_db()
        assert doomed.status == JobStatus.FAILED
    finally:
        _stop(worker)
