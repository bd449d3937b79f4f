"""Use cases of counties and people: API tokens and roles."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from countyhub.core.audit import record_audit
from countyhub.core.models import ApiToken, County, Membership, Village


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
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


@transaction.atomic
def grant_role(
    *, actor: Any, user: Any, county: County, role: str, village: Village | None = None
) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, county=county, role=role, defaults={"village": village}
    )
    if created:
        record_audit(
            actor=actor,
            action="role.granted",
            target=membership,
            county=county,
            changes={"user": user.pk, "role": role},
        )
    return membership
