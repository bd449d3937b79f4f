"""EPCIS import of AggregationEvents whose children belong to several of the county's batches."""

from decimal import Decimal

import pytest

from countyhub.gs1.epcis import EPCIS_CONTEXT, validate_document
from countyhub.trace import services
from countyhub.trace.errors import DocumentRejectedError
from countyhub.trace.exchange import import_document
from countyhub.trace.identifiers import NAMESPACES, batch_link, container_uri, lot_uri
from countyhub.trace.models import EventKind, TraceEvent
from countyhub.trace.services import LotQuantity
from countyhub.trace.verification import verify_batches
from tests.factories.trace import make_batch

# A processor's own pallet (GS1's SSCC example), not one of the county's.
PROCESSOR_PALLET = "https://id.gs1.org/00/106141412345678908"


@pytest.fixture
def batches(world, seller_user):
    mine = make_batch(seller_user, world.product, lot="A2026-01", serial_count=2)
    theirs = make_batch(world.users["other_seller_staff"], world.other_product, lot="B2026-01")
    return mine, theirs


def _document(*events):
    document = {
        "@context": [EPCIS_CONTEXT, NAMESPACES],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-01T08:00:00Z",
        "epcisBody": {"eventList": list(events)},
    }
    assert validate_document(document) == []
    return document


def _aggregation(parent, *, epcs=(), lots=(), step="packing", action="ADD"):
    event = {
        "type": "AggregationEvent",
        "eventTime": "2026-11-01T10:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "parentID": parent,
        "action": action,
        "bizStep": step,
    }
    if epcs:
        event["childEPCs"] = list(epcs)
    if lots:
        event["childQuantityList"] = [
            {"epcClass": uri, "quantity": quantity, "uom": "KGM"} for uri, quantity in lots
        ]
    return event


def test_an_aggregation_event_over_several_batches_goes_onto_each_chain(world, batches):
    mine, theirs = batches
    unit = mine.units.first()
    event = _aggregation(
        PROCESSOR_PALLET,
        epcs=[batch_link(mine, serial=unit.serial).uri],
        lots=[(lot_uri(mine), 4), (lot_uri(theirs), 6)],
    )
    rows = import_document(
        actor=world.users["county_admin"], county_id=world.county.pk, document=_document(event)
    )
    assert sorted(r.batch_id for r in rows) == sorted([mine.pk, theirs.pk])
    assert {r.event_id for r in rows} == {rows[0].event_hash}
    assert {r.kind for r in rows} == {EventKind.CASE_PACKING}
    assert verify_batches(county_id=world.county.pk) == (2, [])
    # The same document again is refused as already recorded.
    with pytest.raises(DocumentRejectedError) as caught:
        import_document(
            actor=world.users["county_admin"], county_id=world.county.pk, document=_document(event)
        )
    assert [(p.index, p.field) for p in caught.value.problems] == [(0, "eventID")]


def test_a_pallet_event_naming_county_cases_reaches_their_batches(world, batches):
    mine, theirs = batches
    admin = world.users["county_admin"]
    cases = [
        services.pack_case(actor=admin, lots=[LotQuantity(batch, Decimal(1))])
        for batch in (mine, theirs)
    ]
    event = _aggregation(PROCESSOR_PALLET, epcs=[container_uri(c.sscc) for c in cases])
    rows = import_document(actor=admin, county_id=world.county.pk, document=_document(event))
    assert {(r.batch_id, r.kind) for r in rows} == {
        (mine.pk, EventKind.PALLETISING),
        (theirs.pk, EventKind.PALLETISING),
    }
    unpacking = _aggregation(
        PROCESSOR_PALLET, epcs=[container_uri(cases[0].sscc)], step="unpacking", action="DELETE"
    )
    (row,) = import_document(actor=admin, county_id=world.county.pk, document=_document(unpacking))
    assert (row.batch_id, row.kind) == (mine.pk, EventKind.UNPACKING)


def test_one_unknown_child_rejects_the_whole_document(world, batches):
    mine, theirs = batches
    admin = world.users["county_admin"]
    harvest = {
        "type": "ObjectEvent",
        "eventTime": "2026-10-01T09:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "quantityList": [{"epcClass": lot_uri(mine), "quantity": 10, "uom": "KGM"}],
    }
    stranger = "https://id.gs1.org/01/09506000134352/10/ELSEWHERE"
    event = _aggregation(
        PROCESSOR_PALLET,
        epcs=[batch_link(mine, serial="999999").uri],
        lots=[(lot_uri(theirs), 6), (stranger, 1)],
    )
    with pytest.raises(DocumentRejectedError) as caught:
        import_document(actor=admin, county_id=world.county.pk, document=_document(harvest, event))
    assert [(p.index, p.field) for p in caught.value.problems] == [
        (1, "childEPCs[0]"),
        (1, "childQuantityList[1].epcClass"),
    ]
    assert TraceEvent.objects.count() == 0


def test_a_seller_cannot_import_onto_another_sellers_batch(world, batches, seller_user):
    mine, theirs = batches
    event = _aggregation(PROCESSOR_PALLET, lots=[(lot_uri(mine), 4), (lot_uri(theirs), 6)])
    with pytest.raises(DocumentRejectedError) as caught:
        import_document(actor=seller_user, county_id=world.county.pk, document=_document(event))
    assert [(p.index, p.field) for p in caught.value.problems] == [
        (0, "childQuantityList[1].epcClass")
    ]
    assert TraceEvent.objects.count() == 0


def test_other_events_must_still_name_one_batch(world, batches):
    mine, theirs = batches
    shipping = {
        "type": "ObjectEvent",
        "eventTime": "2026-10-01T09:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "quantityList": [
            {"epcClass": lot_uri(mine), "quantity": 1, "uom": "KGM"},
            {"epcClass": lot_uri(theirs), "quantity": 1, "uom": "KGM"},
        ],
    }
    with pytest.raises(DocumentRejectedError) as caught:
        import_document(
            actor=world.users["county_admin"],
            county_id=world.county.pk,
            document=_document(shipping),
        )
    (problem,) = caught.value.problems
    assert problem.index == 0 and "names 2 batches" in problem.message


def test_exported_case_and_pallet_events_import_back_unchanged(
    world, batches, events_open_to_tampering
):
    from countyhub.trace.models import Batch
    from countyhub.trace.selectors import events_between, export_document

    mine, theirs = batches
    admin = world.users["county_admin"]
    case = services.pack_case(
        actor=admin,
        units=list(mine.units.all()[:1]),
        lots=[LotQuantity(mine, Decimal(2)), LotQuantity(theirs, Decimal(3))],
    )
    pallet = services.pack_pallet(actor=admin, cases=[case])
    services.unpack(actor=admin, container=pallet)
    before = set(TraceEvent.objects.values_list("batch_id", "kind", "event_id", "event_hash"))
    document = export_document(events_between(Batch.objects.all(), since=None, until=None))
    # Empty the chains (only a test may: the model refuses deletes), then import them back.
    TraceEvent.objects.all()._raw_delete(using="default")
    Batch.objects.update(chain_head="0" * 64, event_count=0)
    import_document(actor=admin, county_id=world.county.pk, document=document)
    after = set(TraceEvent.objects.values_list("batch_id", "kind", "event_id", "event_hash"))
    assert after == before and len(after) == 6
    assert verify_batches() == (2, [])
