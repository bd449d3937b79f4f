"""Opening and changing a station, appointing its operators, and what an operator may then do."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from countyhub.core.models import AuditEntry, Membership, Role
from countyhub.core.permissions import operated_station_ids, operated_station_villages
from countyhub.stations import selectors, services
from countyhub.stations.errors import StationsError
from countyhub.stations.models import Station
from tests.factories.core import MembershipFactory, UserFactory, VillageFactory
from tests.factories.stations import StationFactory


def save(village, actor, **changes):
    data = {
        "operator_name": "张站长",
        "address": "村委会一楼",
        "opening_hours": "08:00-18:00",
        "services": ["parcels"],
        "latitude": Decimal("30.5"),
        "longitude": Decimal("114.3"),
        **changes,
    }
    return services.save_station(village=village, actor=actor, **data)


def test_a_station_opens_once_and_keeps_its_opening_day(world):
    admin = world.users["county_admin"]
    village = VillageFactory(township__county=world.county)
    opened = datetime.date(2025, 3, 1)
    station = save(village, admin, opened_on=opened)
    again = save(village, admin, services=["parcels", "bill_payment"], active=False)
    assert again.pk == station.pk and again.opened_on == opened and not again.active
    assert again.services == ["bill_payment", "parcels"]
    assert Station.objects.filter(village=village).count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"services": ["karaoke"]}, "services"),
        ({"operator_name": " "}, "operator_name"),
        ({"latitude": Decimal("91")}, "latitude"),
        ({"longitude": Decimal("-181")}, "longitude"),
    ],
)
def test_a_station_is_refused_with_the_field_at_fault(world, changes, field):
    village = VillageFactory(township__county=world.county)
    with pytest.raises(StationsError) as error:
        save(village, world.users["county_admin"], **changes)
    assert error.value.field == field and not Station.objects.filter(village=village).exists()


def test_the_database_refuses_coordinates_off_the_earth(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Station.objects.filter(pk=world.station.pk).update(latitude=Decimal("95"))


def test_a_station_has_several_operators_and_each_reads_it(world):
    admin = world.users["county_admin"]
    second = UserFactory()
    services.appoint_operator(actor=admin, station=world.station, user=second)
    assert set(world.station.operators()) == {world.users["station_operator"], second}
    assert operated_station_ids(second, world.county) == {world.station.pk}
    assert operated_station_villages(second, world.county) == {world.station.village_id}
    assert list(selectors.operated_stations(second)) == [world.station]
    granted = AuditEntry.objects.get(action="role.granted", object_type="core.membership")
    assert granted.changes == {
        "user": second.pk,
        "role": "station_operator",
        "station": world.station.pk,
    }


def test_appointing_an_operator_elsewhere_moves_them(world):
    admin = world.users["county_admin"]
    operator = world.users["station_operator"]
    other = StationFactory(village__township__county=world.county)
    membership = services.appoint_operator(actor=admin, station=other, user=operator)
    assert membership.station == other
    assert Membership.objects.filter(user=operator, role=Role.STATION_OPERATOR).count() == 1
    assert list(world.station.operators()) == []
    assert operated_station_ids(operator, world.county) == {other.pk}
    moved = AuditEntry.objects.get(action="role.changed")
    assert moved.changes["station"] == [world.station.pk, other.pk]


def test_a_closed_station_takes_no_parcels_and_leaves_its_operators_dashboard(world, client):
    Station.objects.filter(pk=world.station.pk).update(active=False)
    assert not selectors.open_stations(world.county).exists()
    assert not selectors.operated_stations(world.users["station_operator"]).exists()
    client.force_login(world.users["station_operator"])
    assert client.get("/station/").status_code == 403


def test_only_station_operators_name_a_station(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        MembershipFactory(county=world.county, role=Role.BUYER, station=world.station)


def test_the_membership_form_names_a_station_only_for_its_operators(world):
    from django.core.exceptions import ValidationError

    buyer = Membership(user=UserFactory(), county=world.county, role=Role.BUYER)
    buyer.station = world.station
    with pytest.raises(ValidationError) as error:
        buyer.full_clean()
    assert "station" in error.value.message_dict
    elsewhere = StationFactory()
    operator = Membership(user=UserFactory(), county=world.county, role=Role.STATION_OPERATOR)
    operator.station = elsewhere
    with pytest.raises(ValidationError) as error:
        operator.full_clean()
    assert "station" in error.value.message_dict
    operator.station = world.station
    operator.full_clean()
