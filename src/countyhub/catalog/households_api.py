"""Households: personal data, for the county's administrators and analysts only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from countyhub.catalog import selectors
from countyhub.core.api import errors
from countyhub.core.models import County
from countyhub.core.permissions import may_see_households

router = Router(tags=["households"])


class HouseholdOut(Schema):
    id: int
    head_name: str
    head_birth_year: int | None
    village: str
    registered_poor: bool
    poverty_exit_year: int | None
    members: int


class HouseholdPage(Schema):
    county: str
    count: int
    registered_poor: int
    registered_poor_reached_by_sellers: int
    items: list[HouseholdOut]


class HouseholdFilters(Schema):
    registered_poor: bool | None = None
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0)


@router.get(
    "/{county_slug}/households", response={200: HouseholdPage, **errors(401, 403, 404, 422)}
)
def list_households(
    request: HttpRequest, county_slug: str, filters: Query[HouseholdFilters]
) -> dict[str, Any]:
    county = County.objects.filter(slug=county_slug).first()
    if county is None:
        raise Http404
    if not may_see_households(request.user, county):
        raise PermissionDenied(_("Household data is for county staff and analysts only."))
    households = selectors.households_of(county=county, registered_poor=filters.registered_poor)
    page = households[filters.offset : filters.offset + filters.limit]
    return {
        "county": county.slug,
        "count": households.count(),
        "registered_poor": selectors.households_of(county=county, registered_poor=True).count(),
        "registered_poor_reached_by_sellers": selectors.registered_poor_households_reached(
            county=county
        ),
        "items": [
            {
                "id": h.pk,
                "head_name": h.head_name,
                "head_birth_year": h.head_birth_year,
                "village": h.village.name,
                "registered_poor": h.registered_poor,
                "poverty_exit_year": h.poverty_exit_year,
                "members": h.member_count,
            }
            for h in page
        ],
    }
