"""A Celery worker on the real Redis and two `countyhub beat` processes on one PostgreSQL
database (issue 19, "Background work on Celery"): jobs queued here are run by the worker, a
job failing transiently once is retried and succeeds, and each period of each periodic task
is run by one of the two beats, never both. Loopback only, bounded in time; the processes are
stopped whatever happens."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from countyhub.core import jobs
from countyhub.core.models import JobStatus, PeriodicRun
from tests.conftest import requires_postgres
from tests.core.test_job_retries import FLAKY

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/7"  # the jobs suite's own database number
BUDGET = 90  # seconds for the whole test

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.slow]


def _env(queue: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "REDIS_URL": REDIS_URL,
        # Its own queue: other runs on this Redis neither take nor leave its messages.
        "COUNTYHUB_JOB_QUEUE": queue,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "COUNTYHUB_JOB_RETRIES": "3",
        "COUNTYHUB_JOB_RETRY_DELAY": "0.2",
        "COUNTYHUB_JOB_RETRY_MAX_DELAY": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        # Its own process group, so that stopping it stops its children (the worker's pool).
        return subprocess.Popen(
            [sys.executable, *args], env=env, stdout=out, stderr=out, start_new_session=True
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _forget(queue: str) -> None:
    """Take this run's queue and Celery's bindings of it off the shared Redis."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{queue}*"):
        client.delete(key)


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_and_retries_jobs_and_two_beats_run_each_period_once(settings, tmp_path):
    started = time.monotonic()
    queue = f"countyhub-test-{uuid.uuid4().hex[:8]}"
    settings.REDIS_URL = REDIS_URL
    settings.COUNTYHUB_JOB_QUEUE = queue
    env = _env(queue)
    beats = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    processes = [_start(["-m", "tests.core.flaky_worker"], env, tmp_path / "worker.log")]
    processes += [
        _start(["-m", "countyhub.cli", "beat", "--interval", "0.5"], env, log) for log in beats
    ]
    try:
        plain = jobs.submit(FLAKY, inputs={})
        flaky = jobs.submit(FLAKY, inputs={"fail": 1})
        for job in (plain, flaky):
            while not job.finished:
                assert time.monotonic() - started < BUDGET, (tmp_path / "worker.log").read_text()
                time.sleep(0.1)
                job.refresh_from_db()
        assert plain.status == JobStatus.SUCCEEDED and plain.attempts == 1
        assert flaky.status == JobStatus.SUCCEEDED and flaky.attempts == 2, flaky.error
        assert flaky.result == {"attempts": 2}

        # Every beat has had rounds enough to run whatever was due, and the notifications
        # outbox (every minute) is always due.
        while not PeriodicRun.objects.filter(task="notifications.send").exists():
            assert time.monotonic() - started < BUDGET, [log.read_text() for log in beats]
            time.sleep(0.2)
        time.sleep(2)
    finally:
        for process in processes:
            _stop(process)
        _forget(queue)
    runs = list(PeriodicRun.objects.values_list("task", "period"))
    reported = [
        line.split(": ", 1)[0]  # "task period: summary"
        for log in beats
        for line in log.read_text().splitlines()
        if line.startswith(tuple(f"{task} " for task, _ in runs))
    ]
    # Each claimed period was run, and by one beat only: its line is in one log, once.
    assert sorted(reported) == sorted(f"{task} {period}" for task, period in runs)
    assert ("notifications.send" in {task for task, _ in runs}) and reported
