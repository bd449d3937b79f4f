"""Redis stopped, jobs wait (issue 19, "Faults": "jobs queue and run when it returns"): a job
queued while the broker is away is kept in the database and the request that queued it
succeeds; once the broker is back, `countyhub beat`'s minute task hands it over, once.
A real redis-server of the test's own, stopped and started again on the same port."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from countyhub.core import jobs
from countyhub.core.models import Job, JobStatus
from countyhub.core.periodic import TASKS
from tests.redis_server import REDIS_SERVER, own_redis

pytestmark = pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")
KIND = "tests.unsent"


@jobs.handler(KIND, label="unsent test job")
def unsent(job: Job, progress: jobs.Progress) -> dict:
    return {}


@pytest.fixture
def broker(tmp_path, settings):
    with own_redis(tmp_path) as server:
        settings.REDIS_URL = server.url
        settings.COUNTYHUB_JOB_QUEUE = "countyhub-unsent-test"
        settings.COUNTYHUB_JOB_RETRY_MAX_DELAY = 0
        yield server


def test_a_job_queued_while_the_broker_is_away_is_sent_when_it_is_back(
    db, broker, django_capture_on_commit_callbacks
):
    broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.submit(KIND, inputs={})  # the commit hook meets no broker, and says so
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED

    later = timezone.now() + datetime.timedelta(minutes=2)
    assert jobs.send_unsent(now=later) == 1  # still away: kept queued, tried again later
    broker.start()
    assert broker.client.llen("countyhub-unsent-test") == 0
    assert jobs.send_unsent(now=later + datetime.timedelta(minutes=2)) == 1
    assert broker.client.llen("countyhub-unsent-test") == 1
    # Handed over: the next round leaves it to the worker.
    assert jobs.send_unsent(now=timezone.now()) == 0
    assert broker.client.llen("countyhub-unsent-test") == 1


def test_the_hand_over_runs_every_minute_under_beat():
    assert "jobs.send_unsent" in TASKS
