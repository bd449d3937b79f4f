"""Use cases of counties and people: sign-up and e-mail verification, API tokens, roles, the
county's banner."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core import images
from countyhub.core.audit import record_audit
from countyhub.core.models import (
    ApiToken,
    County,
    EmailAddress,
    Membership,
    Province,
    ProvinceOfficial,
    Role,
)
from countyhub.core.pagecache import bump_catalog_version
from countyhub.core.permissions import is_county_admin

LAST_USED_RESOLUTION = datetime.timedelta(minutes=5)


def hash_token(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, user: Any) -> str:
    """Create a token and return its key; only the hash is kept, and who got a token when.
    It expires after COUNTYHUB_API_TOKEN_DAYS (0: never)."""
    key = secrets.token_urlsafe(32)
    days = settings.COUNTYHUB_API_TOKEN_DAYS
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(key),
        prefix=key[:8],
        expires_at=timezone.now() + datetime.timedelta(days=days) if days > 0 else None,
    )
    record_audit(
        actor=user,
        action="api_token.issued",
        target=token,
        county=None,
        changes={"expires_at": token.expires_at.isoformat() if token.expires_at else None},
    )
    return key


def user_for_token(key: str) -> Any | None:
    token = (
        ApiToken.objects.select_related("user", "user__email_address")
        .filter(key_hash=hash_token(key))
        .first()
    )
    now = timezone.now()
    if token is None or not token.user.is_active or not token.is_usable(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        # A write per API call would cost more than the call; minutes are precise enough.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_for_key(key: str) -> ApiToken | None:
    return ApiToken.objects.filter(key_hash=hash_token(key)).first()


@transaction.atomic
def revoke_api_token(*, actor: Any, token: ApiToken, because: str) -> bool:
    """Stop one token working; False if it had stopped already."""
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return False
    locked.revoked_at = timezone.now()
    locked.revoked_because = because
    locked.save(update_fields=["revoked_at", "revoked_because"])
    record_audit(
        actor=actor,
        action="api_token.revoked",
        target=locked,
        county=None,
        changes={"because": because},
    )
    return True


@transaction.atomic
def revoke_user_tokens(*, actor: Any, user: Any, because: str) -> int:
    """Stop every token of `user` (on log-out, a password change, or from the admin)."""
    revoked = 0
    for token in ApiToken.objects.select_for_update().filter(user=user, revoked_at=None):
        revoked += revoke_api_token(actor=actor, token=token, because=because)
    return revoked


def email_taken(email: str) -> bool:
    User = get_user_model()
    return (
        User.objects.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


@transaction.atomic
def sign_up(*, username: str, email: str, password: str) -> Any | None:
    """A new account of one's own (a buyer's), its address still to be proved; roles come only
    from `grant_role`. None when the address belongs to an account already: the caller tells the
    owner of that address, and the person signing up learns nothing they could not by e-mail."""
    email = email.strip()
    if email_taken(email):
        return None
    user = get_user_model()(username=username, email=email)
    user.set_password(password)
    user.full_clean()
    user.save()
    EmailAddress.objects.create(user=user, email=email)
    record_audit(
        actor=user,
        action="user.signed_up",
        target=user,
        county=None,
        changes={"username": username, "email": email},
    )
    return user


@transaction.atomic
def verify_email(*, user: Any) -> EmailAddress:
    """The owner followed the link sent to the address: it is theirs."""
    address = EmailAddress.objects.select_for_update().get(user=user)
    if address.verified_at is None:
        address.verified_at = timezone.now()
        address.save(update_fields=["verified_at"])
        record_audit(actor=user, action="email.verified", target=address, county=None)
    return address


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
def appoint_province_official(*, actor: Any, user: Any, province: Province) -> ProvinceOfficial:
    official, created = ProvinceOfficial.objects.get_or_create(user=user, province=province)
    if created:
        record_audit(
            actor=actor,
            action="province_official.appointed",
            target=official,
            county=None,
            changes={"user": user.pk, "province": province.pk},
        )
    return official


@transaction.atomic
def remove_province_official(*, actor: Any, official: ProvinceOfficial) -> None:
    record_audit(
        actor=actor,
        action="province_official.removed",
        target=official,
        county=None,
        changes={"user": official.user_id, "province": official.province_id},
    )
    official.delete()


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
