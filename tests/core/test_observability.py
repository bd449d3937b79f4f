"""What an operator of several machines reads (issue 19): /healthz for liveness, /readyz naming
each dependency that does not answer, a request id on every response, in every log line of the
request and of the jobs it queued, and JSON log lines in production."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.core.observability import RequestIdFilter, request_id_bound
from countyhub.shop.errors import InsufficientStockError
from tests.notifications.test_outbox import AbandonedError, place, place_then_abandon

COUNTYHUB = str(Path(sys.executable).parent / "countyhub")
REDIS_URL = "redis://127.0.0.1:6379/7"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthz_asks_nothing_outside_the_process(client):
    # No database access is allowed in this test: a query would raise.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_the_database_the_caches_and_the_broker(client, settings):
    settings.REDIS_URL = REDIS_URL
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "throttle": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_readyz_names_what_does_not_answer(client, settings):
    gone = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.REDIS_URL = gone
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": gone},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok" and body["checks"]["throttle"] == "ok"
    assert body["checks"]["cache"].startswith("ConnectionError")
    assert body["checks"]["broker"].startswith("ConnectionError")


@pytest.mark.django_db
def test_every_response_carries_a_request_id_and_keeps_a_sound_one_from_the_proxy(client):
    fresh = client.get("/healthz")["X-Request-ID"]
    assert len(fresh) == 32 and int(fresh, 16) >= 0
    assert client.get("/healthz")["X-Request-ID"] != fresh
    nginx = "5b0c7d9e1f2a3b4c5d6e7f8091a2b3c4"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=nginx)["X-Request-ID"] == nginx
    # A forged id would write its own fields into the log lines: replaced, not kept.
    forged = 'x" , "level": "INFO'
    assert client.get("/healthz", HTTP_X_REQUEST_ID=forged)["X-Request-ID"] != forged


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RequestIdFilter())
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.django_db
def test_a_job_logs_under_the_id_of_the_request_that_queued_it(django_capture_on_commit_callbacks):
    def noisy(job: Job, progress: jobs.Progress) -> dict:
        logging.getLogger("countyhub.tests").warning("working on job %s", job.pk)
        return {}

    jobs.HANDLERS["test.noisy"] = noisy
    collect = _Collect()
    logging.getLogger("countyhub.tests").addHandler(collect)
    try:
        with request_id_bound("req-0123456789"):
            job = jobs.submit("test.noisy", inputs={})
        assert job.request_id == "req-0123456789"
        jobs.execute(job.pk, heartbeat=False)  # as a worker would, outside the request
    finally:
        logging.getLogger("countyhub.tests").removeHandler(collect)
        del jobs.HANDLERS["test.noisy"]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert [(r.getMessage(), r.request_id) for r in collect.records] == [
        (f"working on job {job.pk}", "req-0123456789")
    ]


def test_production_logs_are_json_lines_with_the_request_id(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DATABASE_URL")}
    env |= {
        "DJANGO_SECRET_KEY": "a-long-random-secret-for-this-test-only-0123456789abcdef",
        "COUNTYHUB_VAR_DIR": str(tmp_path),
    }
    script = (
        "import logging; from countyhub.core.observability import request_id_bound\n"
        "with request_id_bound('req-abcdef0123'):\n"
        "    logging.getLogger('countyhub.x').warning('stock %s left', 3)\n"
    )
    done = subprocess.run(
        [COUNTYHUB, "manage", "shell", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stderr.strip().splitlines()[-1])
    assert line["message"] == "stock 3 left" and line["level"] == "WARNING"
    assert line["request_id"] == "req-abcdef0123" and line["logger"] == "countyhub.x"
    assert line["time"].endswith("+00:00")


def _sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


@pytest.mark.django_db
def test_metrics_are_served_to_a_scraper_on_this_machine_only(client, settings):
    assert client.get("/metrics").status_code == 200
    # Through a proxy, or from elsewhere, the page is not there.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 404
    settings.COUNTYHUB_METRICS_TOKEN = "scrape-token-0123456789"
    assert client.get("/metrics").status_code == 404
    bearer = "Bearer scrape-token-0123456789"
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION=bearer, REMOTE_ADDR="10.1.2.3").status_code == 200
    )
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_checkouts_stock_conflicts_and_the_job_queue_are_counted(world, client):
    checkouts, conflicts = (
        _sample("countyhub_checkouts_total"),
        _sample("countyhub_stock_conflicts_total"),
    )
    with pytest.raises(AbandonedError):
        place_then_abandon(world)  # rolled back: no checkout happened
    assert _sample("countyhub_checkouts_total") == checkouts
    place(world, "2")
    assert _sample("countyhub_checkouts_total") == checkouts + 1
    with pytest.raises(InsufficientStockError):
        place(world, "500")
    assert _sample("countyhub_stock_conflicts_total") == conflicts + 1

    Job.objects.create(kind="analysis.run")
    page = client.get("/metrics").content.decode()
    assert 'countyhub_jobs{status="queued"} 1.0' in page
    assert 'countyhub_jobs{status="running"} 0.0' in page
    assert f"countyhub_checkouts_total {checkouts + 1}" in page
    assert "django_http_requests_total_by_view_transport_method_total" in page
