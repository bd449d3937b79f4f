"""Where the impact report's subgroups are born: the head of household's birth year (personal
data, registered with the household) and the village's distance to the county seat."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from countyhub.catalog import services
from countyhub.catalog.models import Household
from countyhub.core.models import Village
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import VillageFactory

URL = reverse("catalog:station_households")


def form(world, **changes):
    data = {
        "village": world.station.village.pk,
        "head_name": "赵大海",
        "phone": "",
        "member-TOTAL_FORMS": "0",
        "member-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


def test_the_station_registers_the_heads_birth_year_and_shows_it(client, world):
    client.force_login(world.users["station_operator"])
    response = client.post(URL, form(world, head_birth_year="1968"))
    assert response.status_code == 302
    assert Household.objects.get(head_name="赵大海").head_birth_year == 1968
    page = client.get(URL).content.decode()
    assert "1968" in page


@pytest.mark.parametrize("year", ["1850", "2100"])
def test_an_implausible_birth_year_is_named(client, world, year):
    client.cookies["django_language"] = "en"
    client.force_login(world.users["station_operator"])
    response = client.post(URL, form(world, head_birth_year=year))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "head_birth_year" in errors
    assert not Household.objects.filter(head_name="赵大海").exists()


def test_the_model_refuses_a_head_younger_than_sixteen(world):
    too_young = timezone.localdate().year - 15
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        services.register_household(
            actor=world.users["county_admin"],
            village=world.station.village,
            head_name="钱小",
            head_birth_year=too_young,
        )
    message = caught.value.message_dict["head_birth_year"][0]
    assert "between 1900 and" in message
    oldest_allowed = services.register_household(
        actor=world.users["county_admin"],
        village=world.station.village,
        head_name="孙老",
        head_birth_year=1900,
    )
    assert oldest_allowed.head_birth_year == 1900


def test_the_birth_year_is_optional(world):
    household = services.register_household(
        actor=world.users["county_admin"], village=world.station.village, head_name="李不详"
    )
    assert household.head_birth_year is None


def test_the_households_api_gives_birth_years_to_analysts_only(world, client):
    from tests.api.conftest import ApiClient

    HouseholdFactory(county=world.county, head_birth_year=1975)
    url = f"/api/counties/{world.county.slug}/households"
    body = ApiClient(client, world.users["analyst"]).get(url).json()
    assert [h["head_birth_year"] for h in body["items"]] == [1975]
    for role in ("seller_staff", "buyer", "station_operator"):
        response = ApiClient(client, world.users[role]).get(url)
        assert response.status_code == 403
        assert "1975" not in response.content.decode()


def test_the_village_distance_is_kept_to_a_tenth_and_never_negative(world):
    village = VillageFactory(township__county=world.county, distance_to_seat_km=Decimal("12.5"))
    village.refresh_from_db()
    assert village.distance_to_seat_km == Decimal("12.5")
    village.distance_to_seat_km = Decimal("-1")
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        village.full_clean()
    assert "distance_to_seat_km" in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Village.objects.filter(pk=village.pk).update(distance_to_seat_km=Decimal("-1"))


def test_county_staff_edit_the_distance_in_the_admin(world, client):
    village = world.station.village
    client.force_login(world.users["county_admin"])
    url = reverse("admin:core_village_change", args=[village.pk])
    page = client.get(url)
    assert page.status_code == 200 and "distance_to_seat_km" in page.content.decode()
    response = client.post(
        url,
        {
            "county": world.county.pk,
            "township": village.township_id,
            "name": village.name,
            "distance_to_seat_km": "27.4",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    village.refresh_from_db()
    assert village.distance_to_seat_km == Decimal("27.4")
    listing = client.get(reverse("admin:core_village_changelist")).content.decode()
    assert "27.4" in listing


def test_only_county_staff_reach_the_households_admin_with_birth_years(world, client):
    household = HouseholdFactory(county=world.county, head_birth_year=1961)
    url = reverse("admin:catalog_household_changelist")
    client.force_login(world.users["county_admin"])
    assert "1961" in client.get(url).content.decode()
    for role in ("seller_staff", "buyer"):
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert "1961" not in response.content.decode()
    assert household.head_birth_year == 1961
