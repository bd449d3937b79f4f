"""A buyer's remembered delivery is personal data: its changes are audited without the values."""

import pytest

from countyhub.core.models import AuditEntry
from countyhub.shop import services

pytestmark = pytest.mark.django_db


def remember(world, **changes):
    delivery = {
        "station": world.station,
        "recipient_name": "王芳",
        "phone": "13800000000",
        "address": "",
    } | changes
    return services.remember_delivery(buyer=world.users["buyer"], **delivery)


def test_remembering_a_delivery_is_audited_by_field_name_only(world):
    profile = remember(world)
    remember(world)  # the same delivery again changes nothing
    remember(world, phone="13900000000")
    entries = list(AuditEntry.objects.filter(object_type="shop.buyerprofile").order_by("pk"))
    assert [e.action for e in entries] == ["buyer_profile.created", "buyer_profile.changed"]
    assert entries[1].changes == {"fields": ["phone"]}
    assert all(e.actor == world.users["buyer"] for e in entries)
    assert all(e.object_id == str(profile.pk) and e.county == world.county for e in entries)
    logged = repr([e.changes for e in entries])
    assert "13900000000" not in logged and "王芳" not in logged
