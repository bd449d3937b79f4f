"""A buyer's remembered delivery."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from countyhub.core.audit import record_audit
from countyhub.shop.models import (
    BuyerProfile,
    OrderStatus,
)
from countyhub.stations.models import Station

S = OrderStatus


@transaction.atomic
def remember_delivery(
    *,
    buyer: Any,
    station: Station | None,
    recipient_name: str,
    phone: str,
    address: str,
    region_code: str = "",
) -> BuyerProfile:
    """Keep a buyer's delivery as the default for the next checkout and for API orders.

    The audit row names the fields that changed but not their values: the log is read by county
    staff, and a buyer's name, phone and address are theirs alone.
    """
    wanted = {
        "station_id": station.pk if station else None,
        "recipient_name": recipient_name,
        "phone": phone,
        "address": address,
        "region_code": region_code,
    }
    profile = BuyerProfile.objects.select_for_update().filter(user=buyer).first()
    created = profile is None
    if profile is None:
        profile = BuyerProfile(user=buyer)
    changed = [name for name, value in wanted.items() if getattr(profile, name) != value]
    if not changed and not created:
        return profile
    for name, value in wanted.items():
        setattr(profile, name, value)
    profile.save()
    record_audit(
        actor=buyer,
        action="buyer_profile.created" if created else "buyer_profile.changed",
        target=profile,
        county=station.county if station else None,
        changes={"fields": [name.removesuffix("_id") for name in changed]},
    )
    return profile
