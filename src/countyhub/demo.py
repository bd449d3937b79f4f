"""The demo county, built idempotently by `countyhub demo`; the only maker of demo accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction

if TYPE_CHECKING:
    from rich.console import Console

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


def build_demo(*, console: Console | None = None) -> str:
    """Build the demo county; safe to run again (nothing is duplicated)."""
    created = ensure_demo_accounts()
    return f"{len(DEMO_USERNAMES)} accounts ({created} new)"
