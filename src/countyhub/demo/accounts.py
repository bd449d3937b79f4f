"""The demo accounts and their roles; `countyhub demo` is the only maker of demo accounts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from countyhub.catalog.models import Seller
from countyhub.core.audit import record_audit
from countyhub.core.models import Role
from countyhub.core.services import grant_role
from countyhub.shop.services import remember_delivery

DEMO_PASSWORD = "countyhub-demo"
DEMO_USERNAMES = ("admin", "seller", "station", "trainer", "analyst", "buyer", "enumerator")


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


def grant_demo_roles(county: Any, stations: dict[str, Any], admin: Any) -> list[Any]:
    """The demo accounts' roles in the county, as its administrator grants them; the seller
    account joins its cooperative's staff, the buyer keeps the 桃花村 station as default."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=DEMO_USERNAMES)}
    roles = {
        "admin": Role.COUNTY_ADMIN,
        "seller": Role.SELLER_STAFF,
        "station": Role.STATION_OPERATOR,
        "trainer": Role.TRAINER,
        "analyst": Role.ANALYST,
        "buyer": Role.BUYER,
        "enumerator": Role.ENUMERATOR,
    }
    station = stations["桃花村"]
    for username, role in roles.items():
        grant_role(
            actor=admin,
            user=users[username],
            county=county,
            role=role,
            station=station if role == Role.STATION_OPERATOR else None,
        )
    seller = Seller.objects.filter(county=county).order_by("pk").first()
    seller.staff.add(users["seller"])
    # As the seller admin records a change of its staff.
    record_audit(
        actor=admin,
        action="seller.links_changed",
        target=seller,
        county=county,
        changes={"staff": [[], [users["seller"].pk]]},
    )
    remember_delivery(
        buyer=users["buyer"],
        station=station,
        recipient_name="王芳",
        phone="13800001111",
        address="",
    )
    return [users["buyer"]]
