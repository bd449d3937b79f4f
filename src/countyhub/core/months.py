"""Calendar months, each named by the date of its first day: start, end, shift, parse."""

from __future__ import annotations

import calendar
import datetime


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month(day: datetime.date) -> datetime.date:
    """The first day of the month before `day`'s."""
    return month_start(month_start(day) - datetime.timedelta(days=1))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), kept within the month: Jan 31 + 1 is Feb 28."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return datetime.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def parse_month(text: str) -> datetime.date:
    """ "2025-01" -> 2025-01-01; ValueError for anything else."""
    return datetime.datetime.strptime(text, "%Y-%m").date()  # noqa: DTZ007 a month, no time
