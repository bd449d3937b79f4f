"""Use cases of counties and people: API tokens and roles."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from countyhub.core.audit import record_audit
from countyhub.core.models import ApiToken, County, Membership, Role

LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_api_token(*, user: Any) -> str:
    """Create a token and return its key; only the hash is kept."""
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=hash_token(key))
    return key


def user_for_token(key: str) -> Any | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(key)).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # A write per API call would cost more than the call; minutes are precise enough.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def grant_role(
    *, actor: Any, user: Any, county: County, role: str, station: Any = None
) -> Membership:
    """Give `user` a role in `county`; a station operator's membership names their station."""
    membership, created = Membership.objects.get_or_create(
        user=user, county=county, role=role, defaults={"station": station}
    )
    if role == Role.COUNTY_ADMIN and not user.is_staff:
        # County administrators work in the admin, which needs the staff flag.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if created:
        record_audit(
            actor=actor,
            action="role.granted",
            target=membership,
            county=county,
            changes={"user": user.pk, "role": role, "station": membership.station_id},
        )
    return membership
