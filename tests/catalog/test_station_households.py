"""A village station's operator registers the households of their village; household data is
personal, so only they and county staff see the page."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from countyhub.catalog import services
from countyhub.catalog.errors import CatalogError, CatalogErrorCode
from countyhub.catalog.models import Household
from countyhub.core.models import AuditEntry, Role
from tests.factories.core import MembershipFactory, UserFactory, VillageFactory
from tests.factories.stations import StationFactory

URL = reverse("catalog:station_households")


def members(*rows: tuple[str, str]) -> dict[str, str]:
    """The member rows of the form: name and relation in their own fields."""
    data = {"member-TOTAL_FORMS": str(len(rows)), "member-INITIAL_FORMS": "0"}
    for index, (name, relation) in enumerate(rows):
        data[f"member-{index}-name"] = name
        data[f"member-{index}-relation"] = relation
    return data


def test_operator_registers_a_household_with_members(client, world):
    client.force_login(world.users["station_operator"])
    page = client.get(URL)
    assert page.status_code == 200
    assert list(page.context["form"].fields["village"].queryset) == [world.station.village]
    response = client.post(
        URL,
        {
            "village": world.station.village.pk,
            "head_name": "王大山",
            "phone": "138 0000 1234",
            "registered_poor": "on",
            "poverty_exit_year": "2019",
            **members(("李红", "妻子"), ("王小山", "儿子"), ("", "")),
        },
    )
    assert response.status_code == 302
    household = Household.objects.get(head_name="王大山")
    assert household.village == world.station.village and household.registered_poor
    assert household.poverty_exit_year == 2019 and household.county == world.county
    assert sorted(household.members.values_list("name", "relation")) == [
        ("李红", "妻子"),
        ("王小山", "儿子"),
    ]
    assert AuditEntry.objects.filter(action="household.registered").count() == 1
    assert "王大山" in client.get(URL).content.decode()


def test_bad_input_is_named_and_kept(client, world):
    client.force_login(world.users["station_operator"])
    response = client.post(
        URL,
        {
            "village": world.station.village.pk,
            "head_name": "赵四",
            "phone": "call me",
            "poverty_exit_year": "2020",
            **members(("", "妻子")),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"phone", "poverty_exit_year"}
    assert response.context["member_forms"].errors == [{"name": ["Give the member's name."]}]
    assert 'value="赵四"' in response.content.decode()
    assert not Household.objects.filter(head_name="赵四").exists()


def test_members_are_entered_as_name_and_relation_and_listed_with_their_household(client, world):
    client.force_login(world.users["station_operator"])
    page = client.get(URL).content.decode()
    assert 'name="member-0-name"' in page and 'name="member-0-relation"' in page
    assert 'name="members"' not in page  # no single box for "王军 儿子" to end up as a name
    response = client.post(
        URL,
        {
            "village": world.station.village.pk,
            "head_name": "王建国",
            **members(("王军", "儿子")),
        },
    )
    assert response.status_code == 302
    member = Household.objects.get(head_name="王建国").members.get()
    assert (member.name, member.relation) == ("王军", "儿子")


def test_the_same_household_twice_is_refused(world):
    operator = world.users["station_operator"]
    services.register_household(
        actor=operator, village=world.station.village, head_name="钱五", phone="13900001111"
    )
    with pytest.raises(CatalogError) as error:
        services.register_household(
            actor=operator, village=world.station.village, head_name="钱五", phone="13900001111"
        )
    assert error.value.code == CatalogErrorCode.DUPLICATE_HOUSEHOLD
    assert error.value.field == "head_name"


def test_an_operator_registers_only_in_their_own_village(world):
    elsewhere = VillageFactory(township=world.station.village.township)
    with pytest.raises(PermissionDenied):
        services.register_household(
            actor=world.users["station_operator"], village=elsewhere, head_name="孙六"
        )
    services.register_household(
        actor=world.users["county_admin"], village=elsewhere, head_name="孙六"
    )


@pytest.mark.parametrize(
    "role", ["buyer", "seller_staff", "trainer", "analyst", "other_county_admin"]
)
def test_others_do_not_get_the_page(client, world, role):
    client.force_login(world.users[role])
    assert client.get(URL).status_code == 403


def test_operator_sees_only_their_villages_households(client, world):
    elsewhere = VillageFactory(township=world.station.village.township)
    admin = world.users["county_admin"]
    services.register_household(actor=admin, village=elsewhere, head_name="周七", phone="1")
    services.register_household(actor=admin, village=world.station.village, head_name="吴八")
    client.force_login(world.users["station_operator"])
    html = client.get(URL).content.decode()
    assert "吴八" in html and "周七" not in html


def test_the_station_dashboard_links_households_and_received_pallets(client, world):
    client.force_login(world.users["station_operator"])
    html = client.get(reverse("shop:station_dashboard")).content.decode()
    assert f'href="{URL}"' in html and f'href="{reverse("trace:containers")}"' in html


def test_another_stations_operator_neither_reads_nor_registers_this_stations_households(
    client, world
):
    other = StationFactory(village__township=world.station.village.township)
    other_operator = UserFactory()
    MembershipFactory(
        user=other_operator, county=world.county, role=Role.STATION_OPERATOR, station=other
    )
    services.register_household(
        actor=world.users["station_operator"], village=world.station.village, head_name="郑九"
    )
    client.force_login(other_operator)
    page = client.get(URL)
    assert list(page.context["form"].fields["village"].queryset) == [other.village]
    assert "郑九" not in page.content.decode()
    response = client.post(URL, {"village": world.station.village.pk, "head_name": "冯十"})
    assert response.status_code == 400 and not Household.objects.filter(head_name="冯十").exists()
    with pytest.raises(PermissionDenied):
        services.register_household(
            actor=other_operator, village=world.station.village, head_name="冯十"
        )
    services.register_household(actor=other_operator, village=other.village, head_name="冯十")


def test_the_page_names_the_field_of_a_refused_household(client, world):
    client.force_login(world.users["station_operator"])
    body = {
        "village": world.station.village.pk,
        "head_name": "钱五",
        "phone": "13900001111",
        **members(),
    }
    assert client.post(URL, body).status_code == 302
    again = client.post(URL, body)
    assert again.status_code == 400
    assert list(again.context["form"].errors) == ["head_name"]
    assert Household.objects.filter(head_name="钱五").count() == 1
