"""Queries of village service stations."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet

from countyhub.core.models import County, Role
from countyhub.stations.models import Station


def stations_of_county(county: County) -> QuerySet[Station]:
    """Every station of the county, open or closed, by township and village."""
    return (
        Station.objects.filter(county=county)
        .select_related("village__township")
        .order_by("village__township__name", "village__name")
    )


def open_stations(county: County | int) -> QuerySet[Station]:
    """The stations a parcel can be sent to, or a container taken in at, now."""
    county_id = county if isinstance(county, int) else county.pk
    return Station.objects.filter(county_id=county_id, active=True).select_related("village")


def operated_stations(user: Any) -> QuerySet[Station]:
    """The open stations a user runs (as one of their operators), in any county."""
    if not getattr(user, "is_authenticated", False):
        return Station.objects.none()
    return Station.objects.filter(
        active=True,
        operator_memberships__user=user,
        operator_memberships__role=Role.STATION_OPERATOR,
        operator_memberships__county_id=F("county_id"),
    ).select_related("county", "village")
