"""The 832 records in the admin: the county's staff keep them (audited, see
tests/core/test_audited_admin.py); another county's administrator finds none of them."""

import pytest
from django.urls import reverse

from countyhub.channels.gov832 import BuyerUnit, QualificationDocument, Reservation


@pytest.fixture
def records(world, qualified):
    unit = BuyerUnit.objects.create(
        county=world.county,
        name="县医院食堂",
        kind="hospital",
        level="county",
        region_code="130732",
    )
    Reservation.objects.create(unit=unit, year=2026, canteen_food_total="100000.00", percent="12")
    return world


def urls(world):
    document = QualificationDocument.objects.filter(seller=world.seller).first()
    unit = BuyerUnit.objects.get(county=world.county)
    reservation = Reservation.objects.get(unit=unit)
    return [
        reverse("admin:channels_qualificationdocument_change", args=[document.pk]),
        reverse("admin:channels_buyerunit_change", args=[unit.pk]),
        reverse("admin:channels_reservation_change", args=[reservation.pk]),
    ]


def test_the_county_admin_keeps_them_and_sees_the_reserved_amount(records, client):
    client.force_login(records.users["county_admin"])
    for url in urls(records):
        assert client.get(url).status_code == 200
    listing = client.get(reverse("admin:channels_reservation_changelist")).content.decode()
    assert "12000.00" in listing  # 100000 × 12 %
    documents = client.get(reverse("admin:channels_qualificationdocument_changelist"))
    assert "N-business_licence" in documents.content.decode()


def test_another_countys_admin_finds_none(records, client):
    client.force_login(records.users["other_county_admin"])
    for url in urls(records):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/" in response["Location"]
    listing = client.get(reverse("admin:channels_buyerunit_changelist")).content.decode()
    assert "县医院食堂" not in listing


def test_a_share_below_the_floor_is_refused_on_its_field(records, client):
    client.force_login(records.users["county_admin"])
    unit = BuyerUnit.objects.get(county=records.county)
    response = client.post(
        reverse("admin:channels_reservation_add"),
        {"unit": unit.pk, "year": "2027", "canteen_food_total": "5000", "percent": "8"},
    )
    assert response.status_code == 200
    assert "percent" in response.context["adminform"].form.errors
    assert not Reservation.objects.filter(year=2027).exists()
