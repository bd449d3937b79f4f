"""Cases and pallets: SSCCs, invariants, AggregationEvents shared by every batch's chain."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import translation

from countyhub.gs1 import keys
from countyhub.gs1.epcis import validate_document
from countyhub.trace import selectors, services
from countyhub.trace.errors import TraceError
from countyhub.trace.identifiers import UOM, batch_link, container_uri, lot_uri
from countyhub.trace.models import (
    Container,
    ContainerContent,
    ContainerLevel,
    EventKind,
    TraceEvent,
    TraceProfile,
)
from countyhub.trace.services import LotQuantity
from countyhub.trace.verification import verify_batches
from tests.factories.trace import make_batch


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def units_batch(world, seller_user):
    return make_batch(seller_user, world.product, lot="U2026-01", quantity="5", serial_count=5)


@pytest.fixture
def other_batch(world):
    return make_batch(world.users["other_seller_staff"], world.other_product, lot="O2026-01")


def _error(call, **kwargs):
    with pytest.raises(TraceError) as caught:
        call(**kwargs)
    return caught.value


def test_pack_case_records_an_aggregation_event_with_sscc_parent(
    world, seller_user, batch, units_batch
):
    units = list(units_batch.units.order_by("pk")[:2])
    case = services.pack_case(
        actor=seller_user, units=units, lots=[LotQuantity(batch, Decimal("12.5"))]
    )
    assert case.level == ContainerLevel.CASE and case.seller_id == world.seller.pk
    # docs/identifiers.md: `0` + `04` + division code + 8-digit serial reference + check digit
    assert case.sscc == keys.internal_sscc("520123", 1) and case.sscc.startswith("004520123")
    row = batch.events.get()
    assert row.kind == EventKind.CASE_PACKING
    document = row.document
    assert document["type"] == "AggregationEvent" and document["action"] == "ADD"
    assert (document["bizStep"], document["disposition"]) == ("packing", "container_closed")
    assert document["parentID"] == container_uri(case.sscc)
    assert document["parentID"].endswith(f"/00/{case.sscc}")
    assert document["childEPCs"] == [batch_link(units_batch, serial=u.serial).uri for u in units]
    assert document["childQuantityList"] == [
        {"epcClass": lot_uri(batch), "quantity": 12.5, "uom": UOM[batch.unit]}
    ]
    # One event, hashed once, on both batches' chains.
    shared = units_batch.events.get()
    assert shared.event_id == row.event_id == row.event_hash and shared.document == document
    batch.refresh_from_db()
    units_batch.refresh_from_db()
    assert batch.event_count == units_batch.event_count == 1
    assert verify_batches() == (2, [])


def test_sscc_serial_references_are_never_reused(world, seller_user, batch):
    first = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(1))])
    services.unpack(actor=seller_user, container=first)
    second = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(1))])
    assert second.sscc == keys.internal_sscc("520123", 2)
    assert TraceProfile.objects.get(county=world.county).next_sscc_serial == 3


def test_a_unit_is_in_one_closed_case_at_a_time(seller_user, units_batch):
    unit = units_batch.units.first()
    case = services.pack_case(actor=seller_user, units=[unit])
    error = _error(services.pack_case, actor=seller_user, units=[unit])
    assert error.field == "units" and case.sscc in error.message and unit.serial in error.message
    assert _error(services.pack_case, actor=seller_user, units=[unit, unit]).field == "units"
    services.unpack(actor=seller_user, container=case)
    again = services.pack_case(actor=seller_user, units=[unit])
    assert list(selectors.free_units(units_batch)) == list(units_batch.units.order_by("pk")[1:])
    assert again.contents.get().unit == unit


def test_lot_quantities_in_cases_stay_within_the_batch(seller_user, batch):
    services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(60))])
    error = _error(services.pack_case, actor=seller_user, lots=[LotQuantity(batch, Decimal(41))])
    assert error.field == "quantity" and "40" in error.message and batch.lot in error.message
    services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(40))])
    assert selectors.packed_quantity(batch) == Decimal(100)
    zero = _error(services.pack_case, actor=seller_user, lots=[LotQuantity(batch, Decimal(0))])
    assert zero.field == "quantity"
    assert _error(services.pack_case, actor=seller_user).field == "units"
    twice = [LotQuantity(batch, Decimal(1)), LotQuantity(batch, Decimal(1))]
    assert _error(services.pack_case, actor=seller_user, lots=twice).field == "quantity"


def test_a_seller_packs_only_their_own_goods(world, seller_user, batch, other_batch):
    with pytest.raises(PermissionDenied):
        services.pack_case(actor=seller_user, lots=[LotQuantity(other_batch, Decimal(1))])
    with pytest.raises(PermissionDenied):
        services.pack_case(
            actor=world.users["other_county_admin"], lots=[LotQuantity(batch, Decimal(1))]
        )
    other_case = services.pack_case(
        actor=world.users["other_seller_staff"], lots=[LotQuantity(other_batch, Decimal(1))]
    )
    with pytest.raises(PermissionDenied):
        services.pack_pallet(actor=seller_user, cases=[other_case])
    with pytest.raises(PermissionDenied):
        services.unpack(actor=seller_user, container=other_case)
    assert Container.objects.count() == 1 and batch.events.count() == 0


def test_county_staff_put_several_sellers_goods_on_one_pallet(
    world, seller_user, batch, other_batch
):
    admin = world.users["county_admin"]
    mine = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(10))])
    theirs = services.pack_case(actor=admin, lots=[LotQuantity(other_batch, Decimal(5))])
    pallet = services.pack_pallet(actor=admin, cases=[theirs, mine])
    assert pallet.level == ContainerLevel.PALLET and pallet.seller_id is None
    assert set(pallet.children.all()) == {mine, theirs}
    rows = TraceEvent.objects.filter(kind=EventKind.PALLETISING).order_by("batch_id")
    assert [r.batch_id for r in rows] == sorted([batch.pk, other_batch.pk])
    assert rows[0].event_id == rows[1].event_id
    document = rows[0].document
    assert document["parentID"] == container_uri(pallet.sscc)
    assert document["childEPCs"] == [container_uri(mine.sscc), container_uri(theirs.sscc)]
    assert verify_batches(county_id=world.county.pk) == (2, [])
    # the seller sees their case (on the pallet), not the mixed pallet
    visible = set(selectors.containers_visible_to(seller_user))
    assert visible == {mine}
    assert set(selectors.containers_visible_to(admin)) == {mine, theirs, pallet}


def test_pallet_rules_name_the_cases_field(world, seller_user, batch):
    case = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(1))])
    pallet = services.pack_pallet(actor=seller_user, cases=[case])
    assert pallet.seller_id == world.seller.pk
    error = _error(services.pack_pallet, actor=seller_user, cases=[case])
    assert error.field == "cases" and "already on a pallet" in error.message
    error = _error(services.pack_pallet, actor=seller_user, cases=[pallet])
    assert error.field == "cases" and "only cases" in error.message
    assert _error(services.pack_pallet, actor=seller_user, cases=[]).field == "cases"
    loose = services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(1))])
    services.unpack(actor=seller_user, container=loose)
    error = _error(services.pack_pallet, actor=seller_user, cases=[loose])
    assert error.field == "cases" and "unpacked" in error.message


def test_unpack_a_pallet_frees_its_cases_and_records_delete(world, seller_user, batch, units_batch):
    station = world.users["county_admin"]
    unit = units_batch.units.first()
    case = services.pack_case(
        actor=seller_user, units=[unit], lots=[LotQuantity(batch, Decimal(3))]
    )
    pallet = services.pack_pallet(actor=seller_user, cases=[case])
    error = _error(services.unpack, actor=seller_user, container=case)
    assert error.field == "container" and pallet.sscc in error.message
    services.unpack(actor=station, container=pallet)
    case.refresh_from_db()
    assert case.parent is None and case.is_open and not pallet.is_open
    row = batch.events.order_by("sequence").last()
    assert row.kind == EventKind.UNPACKING
    assert (row.document["action"], row.document["bizStep"]) == ("DELETE", "unpacking")
    assert row.document["childEPCs"] == [container_uri(case.sscc)]
    assert units_batch.events.order_by("sequence").last().event_id == row.event_id
    again = _error(services.unpack, actor=station, container=pallet)
    assert again.field == "container" and "already unpacked" in again.message
    services.unpack(actor=seller_user, container=case)
    last = batch.events.order_by("sequence").last().document
    assert last["childEPCs"] == [batch_link(units_batch, serial=unit.serial).uri]
    assert last["childQuantityList"][0]["quantity"] == 3
    assert verify_batches() == (2, [])
    # The contents stay listed on the unpacked containers, as they were.
    assert [line.serials for line in selectors.container_view(case).lines] == [[], [unit.serial]]


def test_database_refuses_broken_containers(world, seller_user, batch, units_batch):
    case = services.pack_case(actor=seller_user, units=list(units_batch.units.all()[:1]))
    with pytest.raises(IntegrityError), transaction.atomic():
        Container.objects.filter(pk=case.pk).update(parent=case)
    with pytest.raises(IntegrityError), transaction.atomic():
        ContainerContent.objects.create(
            container=case, batch=units_batch, unit=units_batch.units.first()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ContainerContent.objects.create(container=case, batch=batch, quantity=Decimal(0))
    with pytest.raises(IntegrityError), transaction.atomic():
        ContainerContent.objects.create(container=case, child=case)
    pallet = services.pack_pallet(actor=seller_user, cases=[case])
    with pytest.raises(IntegrityError), transaction.atomic():
        Container.objects.filter(pk=pallet.pk).update(parent=case)


def test_export_lists_a_shared_event_once(world, batch, other_batch):
    admin = world.users["county_admin"]
    case = services.pack_case(
        actor=admin, lots=[LotQuantity(batch, Decimal(2)), LotQuantity(other_batch, Decimal(3))]
    )
    pallet = services.pack_pallet(actor=admin, cases=[case])
    services.unpack(actor=admin, container=pallet)
    events = selectors.events_between(selectors.batches_visible_to(admin), since=None, until=None)
    assert len(events) == 6
    document = selectors.export_document(events)
    listed = document["epcisBody"]["eventList"]
    assert [(e["type"], e["action"]) for e in listed] == [
        ("AggregationEvent", "ADD"),
        ("AggregationEvent", "ADD"),
        ("AggregationEvent", "DELETE"),
    ]
    assert len({e["eventID"] for e in listed}) == 3
    assert validate_document(document) == []
    own = selectors.export_document(batch.events.order_by("sequence"))
    assert [e["eventID"] for e in own["epcisBody"]["eventList"]] == [e["eventID"] for e in listed]


def test_verify_names_the_chain_whose_copy_of_a_shared_event_was_edited(
    world, batch, other_batch, events_open_to_tampering
):
    admin = world.users["county_admin"]
    services.pack_case(
        actor=admin, lots=[LotQuantity(batch, Decimal(2)), LotQuantity(other_batch, Decimal(3))]
    )
    row = other_batch.events.get()
    document = {**row.document, "childQuantityList": [{**row.document["childQuantityList"][0]}]}
    document["childQuantityList"][0]["quantity"] = 200
    TraceEvent.objects.filter(pk=row.pk).update(document=document)
    total, bad = verify_batches()
    assert total == 2 and [(b.batch_id, b.sequence) for b in bad] == [(other_batch.pk, 1)]


def test_a_container_never_goes_into_itself_or_what_it_holds(seller_user, batch):
    from django.core.exceptions import ValidationError

    first, second = (
        services.pack_case(actor=seller_user, lots=[LotQuantity(batch, Decimal(1))])
        for _ in range(2)
    )
    first.parent = first
    with pytest.raises(ValidationError) as caught:
        first.clean()
    assert "parent" in caught.value.message_dict
    first.parent = second
    with pytest.raises(ValidationError, match="only onto a pallet"):
        first.clean()
    pallet = services.pack_pallet(actor=seller_user, cases=[first])
    first.refresh_from_db()
    # Were levels ever to nest (a pallet inside a pallet), a loop would still be refused.
    first.level = ContainerLevel.PALLET
    pallet.parent = first
    with pytest.raises(ValidationError, match="into itself or into what it holds"):
        pallet.clean()
