from typing import Any

from django.http import HttpRequest

from countyhub.core.models import Role

# The county roles whose places the header links to: a county's programs (its administrators and
# analysts), its training (its trainers) and its survey collection (its enumerators).
PROGRAMS_ROLES = (Role.COUNTY_ADMIN, Role.ANALYST)


def _county_ids(memberships: list[Any], role: Role) -> set[int]:
    return {m.county_id for m in memberships if m.role == role}


def storefront(request: HttpRequest) -> dict[str, Any]:
    """The header's links to each role's places: seller dashboard, station, a county's programs
    and training, the province view. One query for the county roles, whatever the user holds."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return {}
    memberships = list(user.memberships.select_related("county").order_by("county__name"))
    programs_counties = {m.county for m in memberships if m.role in PROGRAMS_ROLES}
    training_counties = {m.county for m in memberships if m.role == Role.TRAINER}
    return {
        "is_seller_staff": user.seller_staff_of.exists(),
        "is_station_operator": any(
            m.role == Role.STATION_OPERATOR and m.station_id for m in memberships
        ),
        "is_province_official": user.is_superuser or user.province_roles.exists(),
        "programs_counties": sorted(programs_counties, key=lambda county: county.name),
        "training_counties": sorted(training_counties - programs_counties, key=lambda c: c.name),
        # Enumerators' phone page of each county they interview in.
        "collecting_counties": [m.county for m in memberships if m.role == Role.ENUMERATOR],
        # Customs brokers' export declarations, per county they declare for.
        "brokered_counties": [m.county for m in memberships if m.role == Role.CUSTOMS_BROKER],
        # Which of a county's pages a sub-menu offers (superusers administer every county).
        "administered_county_ids": _county_ids(memberships, Role.COUNTY_ADMIN),
        "trained_county_ids": _county_ids(memberships, Role.TRAINER),
        "analysed_county_ids": _county_ids(memberships, Role.ANALYST),
    }
