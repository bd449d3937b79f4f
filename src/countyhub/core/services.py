"""Use cases of counties and people: API tokens, roles and the county's banner."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core import images
from countyhub.core.audit import record_audit
from countyhub.core.models import ApiToken, County, Membership, Role
from countyhub.core.pagecache import bump_catalog_version
from countyhub.core.permissions import is_county_admin

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
    *, actor: Any, user: Any, county: County, role: str, station: Any = None
) -> Membership:
    """Give `user` the role in the county (a station operator's, for `station`); granting a
    role the user holds already only moves an operator to another station."""
    Membership(user=user, county=county, role=role, station=station).clean()
    membership, created = Membership.objects.select_for_update().get_or_create(
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
    elif membership.station_id != (station.pk if station else None):
        previous = membership.station_id
        membership.station = station
        membership.save(update_fields=["station", "updated_at"])
        record_audit(
            actor=actor,
            action="role.changed",
            target=membership,
            county=county,
            changes={"user": user.pk, "role": role, "station": [previous, membership.station_id]},
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
            "station": membership.station_id,
        },
    )
    membership.delete()


@transaction.atomic
def set_county_banner(*, actor: Any, county: County, upload: Any) -> County:
    """The banner across the county's storefront (county administrators); the old file is
    deleted once the change is committed."""
    if not is_county_admin(actor, county):
        raise PermissionDenied(_("Only county staff may change the county."))
    checked = images.check_upload(upload)
    old = county.banner.name
    county.banner.name = images.save_rendition(images.Banner, checked, folder="counties")
    county.save(update_fields=["banner", "updated_at"])
    if old:
        transaction.on_commit(lambda: images.delete_stored(old))
    transaction.on_commit(bump_catalog_version)
    record_audit(
        actor=actor,
        action="county.banner_changed",
        target=county,
        county=county,
        changes={"banner": [old, county.banner.name], "file": checked.name},
    )
    return county
