"""Who may do what in a county. Every page and API call asks these questions."""

from __future__ import annotations

from typing import Any

from countyhub.core.models import County, Membership, Role


def roles_in(user: Any, county: County | int) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    county_id = county if isinstance(county, int) else county.pk
    cache = user.__dict__.setdefault("_countyhub_roles", {})
    if county_id not in cache:
        cache[county_id] = set(
            Membership.objects.filter(user=user, county_id=county_id).values_list("role", flat=True)
        )
    return cache[county_id]


def is_county_admin(user: Any, county: County | int) -> bool:
    return getattr(user, "is_superuser", False) or Role.COUNTY_ADMIN in roles_in(user, county)


def is_customs_broker(user: Any, county: County | int) -> bool:
    return Role.CUSTOMS_BROKER in roles_in(user, county)


def may_see_households(user: Any, county: County | int) -> bool:
    """Household data is personal: only county staff and analysts see it."""
    return is_county_admin(user, county) or Role.ANALYST in roles_in(user, county)


def may_register_household(user: Any, village: Any) -> bool:
    """The operators of a village's station register the households of its village; county
    staff those of any village of their county."""
    return village.pk in operated_station_villages(user, village.county_id) or is_county_admin(
        user, village.county_id
    )


def _operator_memberships(user: Any, county: County | int) -> Any:
    county_id = county if isinstance(county, int) else county.pk
    return Membership.objects.filter(
        user=user, county_id=county_id, role=Role.STATION_OPERATOR, station__isnull=False
    )


def operated_station_ids(user: Any, county: County | int) -> set[int]:
    """The stations of a county a user runs as one of its operators."""
    if Role.STATION_OPERATOR not in roles_in(user, county):
        return set()
    return set(_operator_memberships(user, county).values_list("station_id", flat=True))


def operated_station_villages(user: Any, county: County | int) -> set[int]:
    """The villages of the stations a user runs."""
    if Role.STATION_OPERATOR not in roles_in(user, county):
        return set()
    return set(_operator_memberships(user, county).values_list("station__village_id", flat=True))


def admin_county_ids(user: Any) -> list[int] | None:
    """The counties a user administers; None means all (a superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    return list(
        Membership.objects.filter(user=user, role=Role.COUNTY_ADMIN).values_list(
            "county_id", flat=True
        )
    )


def province_county_ids(user: Any) -> list[int] | None:
    """The counties a province-level official compares; None means all (a superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    if not getattr(user, "is_authenticated", False):
        return []
    return list(County.objects.filter(province__officials__user=user).values_list("pk", flat=True))
