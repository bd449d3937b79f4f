from typing import Any

from django.http import HttpRequest

from countyhub.core.models import Role


def storefront(request: HttpRequest) -> dict[str, Any]:
    """Whether the header shows the seller, station and province links."""
    user = request.user
    is_staff_of_seller = bool(
        getattr(user, "is_authenticated", False) and user.seller_staff_of.exists()
    )
    is_station_operator = bool(
        getattr(user, "is_authenticated", False)
        and user.memberships.filter(role=Role.STATION_OPERATOR, station__isnull=False).exists()
    )
    is_province_official = bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or user.province_roles.exists())
    )
    return {
        "is_seller_staff": is_staff_of_seller,
        "is_station_operator": is_station_operator,
        "is_province_official": is_province_official,
    }
