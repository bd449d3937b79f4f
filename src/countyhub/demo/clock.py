"""The demo's past: a step of its history runs with the clock pinned to the step's moment.

The services stamp their rows with the time they run at (`timezone.now()` in the services,
`auto_now_add` on the models and on every audit entry), as they should for a user's click. The
demo replays two years of clicks through those same services, so instead of giving each service a
back door for another time it moves the clock: every row a step writes, audit entries included,
carries the moment the step happened. time-machine patches the clock at the C level, for the
duration of the block only (~30 µs a step).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from django.utils import timezone


@contextmanager
def pinned(moment: datetime.datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (aware); the clock stands still meanwhile."""
    with time_machine.travel(moment, tick=False):
        yield


def on_day(day: datetime.date, hour: int) -> datetime.datetime:
    """That hour of the day in the county's time, or a minute ago if that is still to come."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))
    return min(moment, timezone.now() - datetime.timedelta(minutes=1))
