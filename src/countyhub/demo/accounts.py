"""The demo accounts and their roles; `countyhub demo` is the only maker of demo accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from countyhub.catalog.models import Seller
from countyhub.core.models import Membership, Role
from countyhub.shop.models import BuyerProfile

DEMO_PASSWORD = "countyhub-demo"
DEMO_USERNAMES = ("admin", "seller", "station", "trainer", "analyst", "buyer")


@transaction.atomic
def ensure_demo_accounts() -> int:
    """Create the demo accounts that do not exist yet; return how many were created."""
    user_model = get_user_model()
    created = 0
    for username in DEMO_USERNAMES:
        user, was_created = user_model.objects.get_or_create(
            username=username, defaults={"email": f"{username}@demo.countyhub.invalid"}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            if username == "admin":
                user.is_staff = user.is_superuser = True
            user.save()
            created += 1
    return created


def demo_user(username: str, password: str | None = DEMO_PASSWORD) -> Any:
    """A further account of the demo county (a buyer, the finance officer), made once."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@demo.countyhub.invalid"}
    )
    if created:
        user.set_password(password)
        user.save()
    return user


def grant_demo_roles(county: Any, stations: dict[str, Any]) -> list[Any]:

    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    roles = {
        "admin": Role.COUNTY_ADMIN,
        "seller": Role.SELLER_STAFF,
        "station": Role.STATION_OPERATOR,
        "trainer": Role.TRAINER,
        "analyst": Role.ANALYST,
        "buyer": Role.BUYER,
    }
    station = stations["桃花村"]
    for username, role in roles.items():
        Membership.objects.get_or_create(
            user=users[username],
            county=county,
            role=role,
            defaults={"station": station if role == Role.STATION_OPERATOR else None},
        )
    Seller.objects.filter(county=county).order_by("pk").first().staff.add(users["seller"])
    BuyerProfile.objects.get_or_create(
        user=users["buyer"],
        defaults={"recipient_name": "王芳", "phone": "13800001111", "station": station},
    )
    return [users["buyer"]]
