from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from countyhub.core.errors import RecordKeptError
from countyhub.gs1 import cbv
from countyhub.gs1.hashing import GENESIS, chain_hashes
from countyhub.gs1.keys import is_internal_gtin
from countyhub.trace import services, verification
from countyhub.trace.errors import TraceError
from countyhub.trace.models import AppendOnlyError, Batch, EventKind, TraceEvent
from tests.factories.trace import make_batch


def test_batch_gets_stable_internal_gtin(world, seller_user):
    first = make_batch(seller_user, world.product, lot="A1")
    second = make_batch(seller_user, world.product, lot="A2")
    assert first.gtin == second.gtin
    assert is_internal_gtin(first.gtin) and first.gtin.startswith("004520123")


def test_duplicate_lot_names_the_field(world, seller_user, batch):
    with pytest.raises(TraceError) as error:
        make_batch(seller_user, world.product, lot=batch.lot)
    assert error.value.field == "lot"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lot": "bad lot with spaces"}, "lot"),
        ({"quantity": "0"}, "quantity"),
        ({"plot": " "}, "plot"),
        ({"latitude": None}, "latitude"),
    ],
)
def test_bad_batch_input_names_the_field(world, seller_user, change, field):
    with pytest.raises(TraceError) as error:
        make_batch(seller_user, world.product, **change)
    assert error.value.field == field


def test_seller_cannot_create_batch_of_another_sellers_product(world):
    with pytest.raises(PermissionDenied):
        make_batch(world.users["other_seller_staff"], world.product)


def test_history_is_hash_chained(traced_batch):
    events = list(traced_batch.events.order_by("sequence"))
    assert [e.kind for e in events] == [
        "planting",
        "fertilising",
        "spraying",
        "harvest",
        "inspection",
        "packing",
    ]
    assert [e.chain_hash for e in events] == chain_hashes([e.event_hash for e in events])
    assert all(e.event_id == e.event_hash for e in events)
    assert all(e.event_hash.startswith("ni:///sha-256;") for e in events)
    traced_batch.refresh_from_db()
    assert traced_batch.chain_head == events[-1].chain_hash != GENESIS
    assert traced_batch.event_count == 6
    assert verification.verify_batch(traced_batch) is None


def test_other_seller_cannot_add_events(traced_batch, world):
    with pytest.raises(PermissionDenied):
        services.record_harvest(
            actor=world.users["other_seller_staff"], batch=traced_batch, quantity_kg=1.0
        )
    for role in ("buyer", "station_operator", "analyst", "trainer", "other_county_admin"):
        with pytest.raises(PermissionDenied):
            services.record_packing(
                actor=world.users[role],
                batch=traced_batch,
                packed_quantity=Decimal(1),
                harvest_used_kg=Decimal(1),
            )
    assert traced_batch.events.count() == 6


def test_county_admin_may_record_inspection(traced_batch, world):
    services.record_inspection(
        actor=world.users["county_admin"],
        batch=traced_batch,
        documents=[
            cbv.AttachedDocument(
                kind="lab_report", uri="urn:x:report:1", result=cbv.DocumentResult.FAIL
            )
        ],
    )
    last = traced_batch.events.order_by("-sequence").first()
    assert last.document["disposition"] == "non_conformant"


def test_events_are_append_only(traced_batch):
    event = traced_batch.events.first()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(RecordKeptError):
        event.delete()


def test_tampered_event_is_named(traced_batch, events_open_to_tampering):
    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    document = dict(harvest.document)
    document["quantityList"] = [dict(document["quantityList"][0], quantity=999.0)]
    TraceEvent.objects.filter(pk=harvest.pk).update(document=document)
    bad = verification.verify_batch(traced_batch)
    assert bad is not None
    assert bad.sequence == harvest.sequence
    assert bad.event_id == harvest.event_id
    checked, found = verification.verify_batches(county_id=traced_batch.county_id)
    assert checked == 1 and [f.sequence for f in found] == [harvest.sequence]


def test_deleted_event_breaks_the_chain(traced_batch, events_open_to_tampering):
    last = traced_batch.events.order_by("-sequence").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM trace_traceevent WHERE id = %s", [last.pk])
    bad = verification.verify_batch(Batch.objects.get(pk=traced_batch.pk))
    assert bad is not None and "6" in bad.reason


def test_correction_appends_and_declares(traced_batch, seller_user):
    from dataclasses import replace

    from countyhub.gs1.epcis import event_from_jsonld

    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    original = event_from_jsonld(harvest.document)
    corrective = replace(
        original,
        event_id=None,
        quantity_list=(replace(original.quantity_list[0], quantity=110.0),),
    )
    fixed, declared = services.correct_event(
        actor=seller_user, erroneous=harvest, corrective=corrective
    )
    assert fixed.corrects == harvest and declared.corrects == harvest
    assert declared.event_id == harvest.event_id
    assert declared.document["errorDeclaration"]["correctiveEventIDs"] == [fixed.event_id]
    assert TraceEvent.objects.get(pk=harvest.pk).document == harvest.document
    assert verification.verify_batch(traced_batch) is None
    with pytest.raises(TraceError):
        services.correct_event(actor=seller_user, erroneous=harvest, corrective=corrective)


def _declare_harvest_in_error(batch, actor):
    from dataclasses import replace

    from countyhub.gs1.epcis import event_from_jsonld

    harvest = batch.events.get(kind=EventKind.HARVEST)
    original = event_from_jsonld(harvest.document)
    corrective = replace(
        original, event_id=None, quantity_list=(replace(original.quantity_list[0], quantity=110.0),)
    )
    return services.correct_event(actor=actor, erroneous=harvest, corrective=corrective)


def test_a_tampered_error_declaration_is_named(traced_batch, seller_user, events_open_to_tampering):
    _fixed, declared = _declare_harvest_in_error(traced_batch, seller_user)
    assert verification.verify_batch(traced_batch) is None
    document = dict(declared.document)
    document["errorDeclaration"] = {**document["errorDeclaration"], "reason": "did_not_occur"}
    TraceEvent.objects.filter(pk=declared.pk).update(document=document)
    bad = verification.verify_batch(Batch.objects.get(pk=traced_batch.pk))
    assert bad is not None and bad.sequence == declared.sequence


def test_upgrade_relinks_chains_recorded_under_the_old_rule(
    traced_batch, seller_user, events_open_to_tampering
):
    """Migration 0003 moves chains holding a declaration to the new rule; broken ones stay
    broken."""
    import hashlib
    import importlib

    from django.apps import apps

    upgrade = importlib.import_module(
        "countyhub.trace.migrations.0003_chain_covers_error_declarations"
    )
    _declare_harvest_in_error(traced_batch, seller_user)
    upgrade.unlink(apps, None)  # as a database written before the upgrade holds it
    rows = list(traced_batch.events.order_by("sequence"))
    old = GENESIS
    for row in rows:
        old = hashlib.sha256((old + row.event_hash).encode()).hexdigest()
        assert row.chain_hash == old
    assert verification.verify_batch(Batch.objects.get(pk=traced_batch.pk)) is not None
    upgrade.relink(apps, None)
    assert verification.verify_batch(Batch.objects.get(pk=traced_batch.pk)) is None
    # A chain broken before the upgrade is left as it was.
    upgrade.unlink(apps, None)
    TraceEvent.objects.filter(pk=rows[0].pk).update(chain_hash="f" * 64)
    upgrade.relink(apps, None)
    assert TraceEvent.objects.get(pk=rows[-1].pk).chain_hash == rows[-1].chain_hash
