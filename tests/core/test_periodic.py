"""Periodic work runs once per period however many hosts keep time (issue 19). Seen: the weekly
task digest, run by cron on each of N app hosts, was mailed N times."""

from __future__ import annotations

import datetime
import io
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from countyhub.core import periodic
from countyhub.core.models import PeriodicRun
from tests.conftest import requires_postgres
from tests.programs.test_tasks import program, task  # noqa: F401  (fixture and helper)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_periods_of_minutes_and_weeks():
    quarter = periodic.every_minutes(15)
    at = datetime.datetime(2026, 12, 7, 9, 44, 59, tzinfo=datetime.UTC)
    assert quarter(at) == "2026-12-07T09:30"
    assert quarter(at + datetime.timedelta(seconds=1)) == "2026-12-07T09:45"
    monday_eight = periodic.weekly(0, 8)
    # Monday 7 December 2026, 07:59 and 08:00 in Shanghai; Sunday stays in the week before.
    assert monday_eight(datetime.datetime(2026, 12, 7, 7, 59, tzinfo=SHANGHAI)) is None
    assert monday_eight(datetime.datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI)) == "2026-W50"
    assert monday_eight(datetime.datetime(2026, 12, 13, 23, 0, tzinfo=SHANGHAI)) == "2026-W50"
    assert monday_eight(datetime.datetime(2026, 12, 14, 7, 0, tzinfo=SHANGHAI)) is None


def test_the_apps_schedule_their_periodic_work():
    assert {"programs.task_digest", "aftersales.deadlines", "notifications.send"} <= set(
        periodic.TASKS
    )


def test_the_weekly_digest_goes_out_once_from_two_hosts(world, program, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    task(program, world.users["county_admin"], 3)
    monday = datetime.datetime.now(SHANGHAI)
    monday = (monday - datetime.timedelta(days=monday.weekday())).replace(hour=9)
    first = {name: summary for name, _p, summary in periodic.run_due(monday)}
    second = {name: summary for name, _p, summary in periodic.run_due(monday)}
    assert first["programs.task_digest"] == "sent 1 digest(s)"
    assert "programs.task_digest" not in second
    assert len(mail.outbox) == 1
    # A cron line on a third host finds the week taken, and says by whom.
    out = io.StringIO()
    call_command("send_task_digest", stdout=out)
    assert "this week's digest" in out.getvalue() and "--force" in out.getvalue()
    assert len(mail.outbox) == 1
    call_command("send_task_digest", "--force", stdout=io.StringIO())
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_a_failed_run_gives_its_period_back():
    calls = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("smtp down")
        return "done"

    periodic.TASKS["test.flaky"] = periodic.PeriodicTask("test.flaky", lambda now: "p1", flaky)
    try:
        failed = [row for row in periodic.run_due() if row[0] == "test.flaky"]
        assert failed == [("test.flaky", "p1", "failed: ConnectionError: smtp down")]
        assert not PeriodicRun.objects.filter(task="test.flaky").exists()
        again = [row for row in periodic.run_due() if row[0] == "test.flaky"]
        assert again == [("test.flaky", "p1", "done")]
        assert PeriodicRun.objects.get(task="test.flaky").finished_at is not None
    finally:
        del periodic.TASKS["test.flaky"]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_eight_hosts_claiming_the_same_period_at_once_get_one_claim():
    start = threading.Barrier(8)
    won = []

    def host() -> None:
        start.wait()
        try:
            if periodic.claim("test.race", "2026-W50") is not None:
                won.append(1)
        finally:
            connection.close()

    threads = [threading.Thread(target=host) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    assert PeriodicRun.objects.filter(task="test.race").count() == 1
