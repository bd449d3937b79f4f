"""A village service station takes a pallet in (CBV receiving) and unpacks it to hand out."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from countyhub.core.models import Role
from countyhub.trace import services, verification
from countyhub.trace.errors import TraceError
from countyhub.trace.identifiers import container_uri
from countyhub.trace.models import Batch, Container, EventKind
from countyhub.trace.services import LotQuantity
from tests.factories.core import MembershipFactory, UserFactory
from tests.factories.stations import StationFactory
from tests.trace.test_trace_page import path_of


@pytest.fixture
def pallet(seller_user, batch):
    case = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(20))])
    return services.pack_pallet(actor=seller_user, cases=[case])


def _public(pallet):
    return "/" + container_uri(pallet.sscc).split("/", 3)[3]


def test_the_station_operator_receives_the_pallet_on_its_page(client, world, pallet, batch):
    operator = world.users["station_operator"]
    client.force_login(operator)
    page = client.get(_public(pallet))
    assert page.status_code == 200 and 'id="receive-form"' in page.content.decode()
    form = page.context["receive_form"]
    assert list(form.fields["station"].queryset) == [world.station]
    response = client.post(
        reverse("trace:receive", args=[pallet.pk]),
        {
            "station": world.station.pk,
            "event_time": form.fields["event_time"].initial.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    pallet.refresh_from_db()
    assert pallet.received_station == world.station and pallet.received_at is not None
    receiving = batch.events.get(kind=EventKind.RECEIVING).document
    assert receiving["bizStep"].endswith("receiving")
    assert receiving["epcList"] == [container_uri(pallet.sscc)]
    assert receiving["bizLocation"]["county:placeName"] == world.station.name
    assert verification.verify_batch(Batch.objects.get(pk=batch.pk)) is None
    # Received once only; the form is gone from the page.
    assert 'id="receive-form"' not in client.get(_public(pallet)).content.decode()
    # The operator now handles the pallet: unpack it to hand the goods out.
    detail = reverse("trace:container", args=[pallet.pk])
    assert client.get(detail).status_code == 200
    services.unpack(actor=operator, container=Container.objects.get(pk=pallet.pk))
    assert batch.events.filter(kind=EventKind.UNPACKING).count() == 1
    trace = client.get("/" + path_of(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "received at a village station" in trace.lower() and world.station.name in trace


@pytest.mark.parametrize("role", ["buyer", "seller_staff", "other_seller_staff", "analyst"])
def test_only_station_operators_and_county_staff_receive(client, world, pallet, role):
    client.force_login(world.users[role])
    assert 'id="receive-form"' not in client.get(_public(pallet)).content.decode()
    response = client.post(
        reverse("trace:receive", args=[pallet.pk]), {"station": world.station.pk}
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.receive_at_station(
            actor=world.users[role], container=pallet, station=world.station
        )
    assert not Container.objects.get(pk=pallet.pk).received_at


def test_anonymous_scanners_see_no_form(client, pallet):
    html = client.get(_public(pallet)).content.decode()
    assert 'id="receive-form"' not in html
    assert 'type="hidden" name="csrfmiddlewaretoken"' not in html


def test_a_station_not_ones_own_is_refused(client, world, pallet):
    elsewhere = StationFactory(village__township=world.station.village.township)
    client.force_login(world.users["station_operator"])
    response = client.post(
        reverse("trace:receive", args=[pallet.pk]),
        {"station": elsewhere.pk, "event_time": "2026-01-01T08:00"},
    )
    assert response.status_code == 400 and "station" in response.context["receive_form"].errors


def test_a_case_on_a_pallet_cannot_be_received_alone(world, pallet):
    case = pallet.children.get()
    with pytest.raises(TraceError) as error:
        services.receive_at_station(
            actor=world.users["county_admin"], container=case, station=world.station
        )
    assert error.value.field == "container"


def test_a_receiving_round_trips_through_epcis_import(
    world, pallet, batch, events_open_to_tampering
):
    from countyhub.trace.exchange import import_document
    from countyhub.trace.selectors import export_document
    from tests.trace.test_api_and_import import _reset

    services.receive_at_station(
        actor=world.users["county_admin"], container=pallet, station=world.station
    )
    events = batch.events.order_by("sequence")
    document = export_document(events)
    before = list(events.values_list("kind", "event_hash"))
    _reset(batch)
    import_document(actor=world.users["seller_staff"], county_id=world.county.pk, document=document)
    assert list(batch.events.order_by("sequence").values_list("kind", "event_hash")) == before


def test_the_operator_lists_what_the_station_received(client, world, pallet):
    client.force_login(world.users["station_operator"])
    listing = reverse("trace:containers")
    html = client.get(listing).content.decode()
    assert pallet.sscc not in html and 'id="pick-batch"' not in html
    services.receive_at_station(
        actor=world.users["station_operator"], container=pallet, station=world.station
    )
    html = client.get(listing).content.decode()
    assert pallet.sscc in html and world.station.name in html
    client.force_login(world.users["buyer"])
    assert client.get(listing).status_code == 403


def test_another_stations_operator_neither_sees_nor_handles_the_pallet(client, world, pallet):
    other = StationFactory(village__township=world.station.village.township)
    other_operator = UserFactory()
    MembershipFactory(
        user=other_operator, county=world.county, role=Role.STATION_OPERATOR, station=other
    )
    services.receive_at_station(
        actor=world.users["station_operator"], container=pallet, station=world.station
    )
    client.force_login(other_operator)
    assert pallet.sscc not in client.get(reverse("trace:containers")).content.decode()
    assert client.get(reverse("trace:container", args=[pallet.pk])).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        services.unpack(actor=other_operator, container=Container.objects.get(pk=pallet.pk))
    assert Container.objects.get(pk=pallet.pk).unpacked_at is None
