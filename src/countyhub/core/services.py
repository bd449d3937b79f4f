"""Use cases of counties and people: API tokens and roles."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from countyhub.core.audit import record_audit
from countyhub.core.models import ApiToken, County, Membership, Role, Village

LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, user: Any) -> str:
    """Create a token and return its key; only the hash is kept, and who got a token when."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, key_hash=hash_token(key))
    record_audit(actor=user, action="api_token.issued", target=token, county=None)
    return key


@transaction.atomic
def sign_up(*, username: str, email: str, password: str) -> Any:
    """A new account of one's own (a buyer's); roles come only from `grant_role`."""
    user = get_user_model()(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    record_audit(
        actor=user,
        action="user.signed_up",
        target=user,
        county=None,
        changes={"username": username, "email": email},
    )
    return user


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
    *, actor: Any, user: Any, county: County, role: str, village: Village | None = None
) -> Membership:
    """Give `user` the role in the county (a station operator's, for `village`); granting a
    role the user holds already only moves an operator to another village."""
    Membership(user=user, county=county, role=role, village=village).clean()
    membership, created = Membership.objects.select_for_update().get_or_create(
        user=user, county=county, role=role, defaults={"village": village}
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
            changes={"user": user.pk, "role": role, "village": village},
        )
    elif membership.village_id != (village.pk if village else None):
        previous = membership.village_id
        membership.village = village
        membership.save(update_fields=["village", "updated_at"])
        record_audit(
            actor=actor,
            action="role.changed",
            target=membership,
            county=county,
            changes={"user": user.pk, "role": role, "village": [previous, village]},
        )
    return membership


@transaction.atomic
def revoke_role(*, actor: Any, membership: Membership) -> None:
    """Take a role away; the audit entry keeps whose role it was."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    record_audit(
        actor=actor,
        action="role.revoked",
        target=membership,
        county=membership.county,
        changes={
            "user": membership.user_id,
            "role": membership.role,
            "village": membership.village_id,
        },
    )
    membership.delete()
