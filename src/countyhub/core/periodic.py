"""Periodic work that must happen once per period however many hosts schedule it.

Apps register their tasks in ``ready()`` with :func:`periodic` (the weekly task digest, the
after-sales deadlines, the notification outbox). ``countyhub beat`` runs :func:`run_due` in a
loop on every host that should keep time; each due task first claims its period with one INSERT
into ``PeriodicRun`` (unique on task and period), so of N hosts (or a host and a cron line) one
runs it and the others see the claim. A run that fails gives its claim back, so a later round
tries again.
"""

from __future__ import annotations

import datetime
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from countyhub.core.models import PeriodicRun

logger = logging.getLogger(__name__)

Period = Callable[[datetime.datetime], str | None]


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    period: Period  # the key of the period a moment falls in; None while it is not due yet
    run: Callable[[], str]  # does the work; a one-line summary


TASKS: dict[str, PeriodicTask] = {}


def periodic(name: str, period: Period) -> Callable[[Callable[[], str]], Callable[[], str]]:
    def register(function: Callable[[], str]) -> Callable[[], str]:
        TASKS[name] = PeriodicTask(name, period, function)
        return function

    return register


def every_minutes(minutes: int) -> Period:
    """Periods of `minutes` minutes from the top of the hour (UTC)."""

    def key(now: datetime.datetime) -> str:
        now = now.astimezone(datetime.UTC)
        start = now.replace(minute=now.minute - now.minute % minutes, second=0, microsecond=0)
        return start.strftime("%Y-%m-%dT%H:%M")

    return key


def weekly(weekday: int, hour: int) -> Period:
    """ISO weeks, due from `weekday` (Monday 0) at `hour` o'clock in the site's time zone."""

    def key(now: datetime.datetime) -> str | None:
        local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
        year, week, day = local.isocalendar()
        if (day - 1, local.hour) < (weekday, hour):
            return None
        return f"{year}-W{week:02d}"

    return key


def monthly(day: int, hour: int) -> Period:
    """Calendar months, due from `day` at `hour` o'clock in the site's time zone."""

    def key(now: datetime.datetime) -> str | None:
        local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
        if (local.day, local.hour) < (day, hour):
            return None
        return f"{local.year}-{local.month:02d}"

    return key


def claim(name: str, key: str) -> PeriodicRun | None:
    """This host's claim on running `name` for period `key`; None if another has it."""
    try:
        with transaction.atomic():
            return PeriodicRun.objects.create(task=name, period=key, host=socket.gethostname())
    except IntegrityError:
        return None


def run_claimed(run: PeriodicRun, work: Callable[[], str]) -> str:
    """Do the work of a claimed period and note its summary on the claim."""
    try:
        summary = work()
    except Exception:
        # Give the period back: a later round (here or on another host) tries again.
        PeriodicRun.objects.filter(pk=run.pk).delete()
        logger.exception("periodic task %s (%s) failed", run.task, run.period)
        raise
    PeriodicRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), summary=summary[:200])
    return summary


def run_due(now: datetime.datetime | None = None) -> list[tuple[str, str, str]]:
    """Run every task whose current period nobody has claimed: (task, period, summary) each."""
    now = now or timezone.now()
    done = []
    for task in TASKS.values():
        key = task.period(now)
        if key is None or (run := claim(task.name, key)) is None:
            continue
        try:
            summary = run_claimed(run, task.run)
        except Exception as error:  # one task's failure must not stop the others
            summary = f"failed: {type(error).__name__}: {error}"
        done.append((task.name, key, summary))
    return done
