"""The county's local time: pages, order numbers and exports show it, whatever the server's zone.

A request runs in its county's zone: `CountyTimeZoneMiddleware` activates it for views that
name a county (`county_slug`), and Django then converts every datetime a template shows. A page
reached without the county in its address (an order, a batch, a dashboard) shows a record's
times in that record's county with Django's `{% load tz %}{{ moment|timezone:county.time_zone }}`
or activates it with `activate_county_time_zone`; other times fall back to settings.TIME_ZONE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from countyhub.core.models import County

# A changed county zone shows within a minute; the lookup costs no query on cached pages.
_CACHE_SECONDS = 60


def local_date(moment: dt.datetime, county: County) -> dt.date:
    """The county's calendar date at `moment` (an order placed at 01:30 in Beijing on the 7th
    is on the 7th, though it is still the 6th in UTC)."""
    return timezone.localtime(moment, county.zone).date()


def local_iso(moment: dt.datetime | None, county: County | None) -> str:
    """`2026-03-07T01:30:00+08:00`: the county's local time with its offset, for exports and
    the API (a record of no county: the request's zone)."""
    if moment is None:
        return ""
    zone = county.zone if county else timezone.get_current_timezone()
    return timezone.localtime(moment, zone).isoformat(timespec="seconds")


def activate_county_time_zone(county: County) -> None:
    timezone.activate(county.zone)


def _zone_of_slug(slug: str) -> str | None:
    # A slug no county can have is not looked up: nor cached under a key memcached would refuse.
    if not slug_re.fullmatch(slug) or len(slug) > 50:
        return None
    key = f"county-time-zone:{slug}"
    name = cache.get(key)
    if name is None:
        name = County.objects.filter(slug=slug).values_list("time_zone", flat=True).first()
        if name is None:
            return None
        cache.set(key, name, _CACHE_SECONDS)
    return str(name)


class CountyTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        slug = view_kwargs.get("county_slug")
        name = _zone_of_slug(slug) if slug else None
        if name:
            timezone.activate(ZoneInfo(name))
