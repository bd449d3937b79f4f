"""A real Celery worker for a test: its own redis-server on a free loopback port, and
`countyhub worker` (the command a deployment runs) on the test's PostgreSQL database and storage
folders, so a job queued in the test runs in another process exactly as deployed.

`python -m tests.job_worker MODULE...` is that worker with the tests' own job kinds registered
(the modules named); the fixture starts it. Jobs need PostgreSQL: SQLite's in-memory test
database is not shared with another process."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.redis_server import own_redis


@contextlib.contextmanager
def celery_worker(settings: Any, folder: Path, *modules: str) -> Iterator[Path]:
    """Run jobs submitted inside the block on a real worker; yields the worker's log file."""
    from django.db import connection

    db = connection.settings_dict
    assert db["ENGINE"].endswith("postgresql"), "a worker in another process needs PostgreSQL"
    log_path = folder / "worker.log"
    with own_redis(folder) as redis_server:
        settings.REDIS_URL = redis_server.url
        env = {
            **os.environ,
            "DJANGO_DEBUG": "1",
            "REDIS_URL": redis_server.url,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "COUNTYHUB_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "COUNTYHUB_PRIVATE_ROOT": str(settings.STORAGES["private"]["OPTIONS"]["location"]),
            "COUNTYHUB_JOB_RETRY_DELAY": "0.2",
            "COUNTYHUB_JOB_RETRY_MAX_DELAY": "1",
            "PYTHONPATH": os.pathsep.join(sys.path),
        }
        with log_path.open("ab") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "tests.job_worker", *modules],
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,  # stopping its group stops the pool's children
            )
        try:
            yield log_path
        finally:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()


def finished(job: Any, log: Path, timeout: float = 120) -> Any:
    """The job once it has ended (its worker's log in the failure otherwise)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.status}: {log.read_text()}")


if __name__ == "__main__":
    import importlib

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
    django.setup()
    for module in sys.argv[1:]:
        importlib.import_module(module)
    from django.conf import settings as live_settings

    from countyhub.core.jobs import celery_app

    celery_app(live_settings.REDIS_URL).worker_main(
        ["worker", "--concurrency=1", "--loglevel=warning", "--without-gossip"]
    )
