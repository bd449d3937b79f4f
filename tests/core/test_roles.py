"""Roles are granted and revoked through the services, from the admin too, and audited."""

import pytest

from countyhub.core.models import AuditEntry, Membership, Role
from tests.factories.core import UserFactory, VillageFactory


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_granting_a_county_admin_role_in_the_admin_uses_grant_role(world, client, superuser):
    person = UserFactory(username="new-admin")
    client.force_login(superuser)
    response = client.post(
        "/admin/core/membership/add/",
        {"user": person.pk, "county": world.county.pk, "role": Role.COUNTY_ADMIN, "_save": "Save"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    person.refresh_from_db()
    assert person.is_staff  # as grant_role arranges, so that they reach the admin
    entry = AuditEntry.objects.get(action="role.granted")
    assert (entry.actor, entry.object_id) == (superuser, str(membership.pk))
    assert entry.changes == {"user": person.pk, "role": Role.COUNTY_ADMIN, "village": None}


def test_moving_an_operator_and_revoking_a_role_in_the_admin_are_audited(world, client, superuser):
    membership = Membership.objects.get(role=Role.STATION_OPERATOR, county=world.county)
    other = VillageFactory(township=world.station.township)
    client.force_login(superuser)
    url = f"/admin/core/membership/{membership.pk}/change/"
    # Whose role and which role stay as granted; the posted role is ignored.
    response = client.post(url, {"role": Role.COUNTY_ADMIN, "village": other.pk, "_save": "Save"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.village) == (Role.STATION_OPERATOR, other)
    moved = AuditEntry.objects.get(action="role.changed")
    assert moved.changes["village"] == [world.station.pk, other.pk]
    response = client.post(f"/admin/core/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    revoked = AuditEntry.objects.get(action="role.revoked")
    assert revoked.changes["user"] == membership.user_id
    assert revoked.changes["role"] == Role.STATION_OPERATOR


def test_a_village_of_another_county_is_refused(world, client, superuser):
    foreign = VillageFactory()
    client.force_login(superuser)
    response = client.post(
        "/admin/core/membership/add/",
        {
            "user": world.users["buyer"].pk,
            "county": world.county.pk,
            "role": Role.STATION_OPERATOR,
            "village": foreign.pk,
            "_save": "Save",
        },
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(village=foreign).exists()


def test_staff_flags_of_accounts_are_audited_and_the_audit_log_cannot_be_deleted(
    world, client, superuser
):
    buyer = world.users["buyer"]
    client.force_login(superuser)
    page = client.get(f"/admin/auth/user/{buyer.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("username", "email", "first_name", "last_name")
    }
    response = client.post(
        f"/admin/auth/user/{buyer.pk}/change/",
        {
            **data,
            "is_active": "on",
            "is_staff": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "08:00:00",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="user.changed")
    assert entry.changes["is_staff"] == [False, True]
    assert "password" not in entry.changes
    deleting = client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert deleting.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
