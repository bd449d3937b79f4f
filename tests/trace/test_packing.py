"""Packing as an EPCIS TransformationEvent: the unpacked harvest in, the packed lot out."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from countyhub.gs1 import keys
from countyhub.gs1.digital_link import parse
from countyhub.gs1.epcis import (
    EPCISDocument,
    document_to_jsonld,
    event_from_jsonld,
    validate_document,
)
from countyhub.trace import services, verification
from countyhub.trace.errors import TraceError
from countyhub.trace.identifiers import NAMESPACES, harvest_lot_uri, lot_uri
from countyhub.trace.models import EventKind
from countyhub.trace.selectors import export_document, packing_balance
from tests.factories.catalog import ProductFactory
from tests.factories.trace import make_batch


def _pack(batch, actor, units, kg, **extra):
    return services.record_packing(
        actor=actor,
        batch=batch,
        packed_quantity=Decimal(units),
        harvest_used_kg=Decimal(kg),
        **extra,
    )


def _harvest(batch, actor, kg=600.0):
    return services.record_harvest(actor=actor, batch=batch, quantity_kg=kg)


def test_harvest_and_packed_lot_have_distinct_gtins_one_lot(batch):
    assert batch.harvest_gtin and batch.harvest_gtin != batch.gtin
    assert keys.is_internal_gtin(batch.harvest_gtin)
    harvest, packed = parse(harvest_lot_uri(batch)), parse(lot_uri(batch))
    assert (harvest.gtin, harvest.lot) == (batch.harvest_gtin, batch.lot)
    assert (packed.gtin, packed.lot) == (batch.gtin, batch.lot)


def test_the_same_product_keeps_its_harvest_gtin(world, seller_user, batch):
    second = make_batch(seller_user, world.product, lot="L2026-02")
    assert second.harvest_gtin == batch.harvest_gtin


def test_packing_is_a_transformation_from_harvest_to_packed_lot(traced_batch):
    events = {row.kind: row.document for row in traced_batch.events.all()}
    assert events["harvest"]["quantityList"][0]["epcClass"] == harvest_lot_uri(traced_batch)
    assert events["planting"]["quantityList"][0]["epcClass"] == harvest_lot_uri(traced_batch)
    packing = events["packing"]
    assert packing["type"] == "TransformationEvent" and "action" not in packing
    assert packing["bizStep"].endswith("commissioning")
    assert packing["inputQuantityList"] == [
        {"epcClass": harvest_lot_uri(traced_batch), "quantity": 120.0, "uom": "KGM"}
    ]
    assert packing["outputQuantityList"][0]["epcClass"] == lot_uri(traced_batch)
    assert packing["outputQuantityList"][0]["quantity"] == float(traced_batch.quantity)
    assert packing["ilmd"]["cbvmda:itemExpirationDate"] == "2027-01-31"
    assert validate_document(export_document(traced_batch.events.all())) == []
    assert verification.verify_batch(traced_batch) is None


def test_packing_commissions_the_serialised_units(world, seller_user):
    batch = make_batch(seller_user, world.product, lot="SER1", serial_count=3)
    _harvest(batch, seller_user)
    row = _pack(batch, seller_user, 100, 500)
    outputs = row.document["outputEPCList"]
    assert len(outputs) == 3
    assert all(parse(uri).serial for uri in outputs)
    assert {parse(uri).gtin for uri in outputs} == {batch.gtin}


def test_packing_needs_a_harvest_first(batch, seller_user):
    with pytest.raises(TraceError) as error:
        _pack(batch, seller_user, 10, 50)
    assert error.value.field == "harvest_used_kg"
    assert batch.events.count() == 0


def test_packing_in_sessions_never_exceeds_harvest_or_batch(batch, seller_user):
    _harvest(batch, seller_user, kg=600.0)
    _pack(batch, seller_user, 40, 200)
    _pack(batch, seller_user, 40, 200)
    assert packing_balance(batch, excluding=None) == (600.0, 400.0, 80.0)
    with pytest.raises(TraceError) as too_much_harvest:
        _pack(batch, seller_user, 10, "200.5")
    assert too_much_harvest.value.field == "harvest_used_kg"
    assert "200" in too_much_harvest.value.message
    with pytest.raises(TraceError) as too_many_units:
        _pack(batch, seller_user, 21, 100)  # the batch holds 100 units, 80 are packed
    assert too_many_units.value.field == "packed_quantity"
    _pack(batch, seller_user, 20, 200)
    assert batch.events.filter(kind=EventKind.PACKING).count() == 3


def test_a_corrected_packing_no_longer_counts(traced_batch, seller_user):
    packing = traced_batch.events.get(kind=EventKind.PACKING)
    original = event_from_jsonld(packing.document)
    services.record_packing(
        actor=seller_user,
        batch=traced_batch,
        packed_quantity=Decimal(90),
        harvest_used_kg=Decimal(100),
        corrects=packing,
    )
    assert packing_balance(traced_batch, excluding=None) == (120.0, 100.0, 90.0)
    assert original.output_quantity_list[0].quantity == 100.0


def test_packing_form_defaults_to_what_is_left_and_records(client, batch, seller_user):
    _harvest(batch, seller_user, kg=500.0)
    _pack(batch, seller_user, 30, 150)
    client.force_login(seller_user)
    url = reverse("trace:record", args=[batch.pk, "packing"])
    form = client.get(url).context["form"]
    assert form.fields["harvest_used_kg"].initial == Decimal(350)
    assert form.fields["packed_quantity"].initial == Decimal(70)
    data = {
        "harvest_used_kg": "400",
        "packed_quantity": "70",
        "packhouse": "",
        "event_time": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "350" in refused.context["form"].errors["harvest_used_kg"][0]
    data["harvest_used_kg"] = "350"
    assert client.post(url, data).status_code == 302
    assert packing_balance(batch, excluding=None) == (500.0, 500.0, 100.0)


def test_correcting_packing_through_the_form_starts_from_the_recorded_values(
    client, traced_batch, seller_user
):
    packing = traced_batch.events.get(kind=EventKind.PACKING)
    client.force_login(seller_user)
    url = reverse("trace:record", args=[traced_batch.pk, "packing"])
    initial = client.get(url, {"corrects": packing.pk}).context["form"].initial
    assert initial["harvest_used_kg"] == 120.0
    assert initial["packed_quantity"] == float(traced_batch.quantity)


def test_a_harvest_link_leads_to_the_lot_page(client, traced_batch):
    path = harvest_lot_uri(traced_batch).split("/", 3)[3]
    response = client.get("/" + path)
    assert response.status_code == 302
    assert response["Location"] == "/" + lot_uri(traced_batch).split("/", 3)[3]


def test_timeline_shows_harvest_used_and_packed(client, traced_batch):
    html = client.get(
        "/" + lot_uri(traced_batch).split("/", 3)[3], HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "harvest used" in html and "120 kg" in html and "packed" in html


def test_import_of_a_packing_transformation_lands_on_the_batch(world, seller_user):
    from countyhub.trace.exchange import import_document

    source = make_batch(seller_user, world.product, lot="IMP1")
    _harvest(source, seller_user, kg=300.0)
    row = _pack(source, seller_user, 50, 250)
    target = make_batch(seller_user, world.product, lot="IMP2")
    _harvest(target, seller_user, kg=300.0)
    event = event_from_jsonld(row.document)
    moved = replace(
        event,
        event_id=None,
        input_quantity_list=(
            replace(event.input_quantity_list[0], epc_class=harvest_lot_uri(target)),
        ),
        output_quantity_list=(replace(event.output_quantity_list[0], epc_class=lot_uri(target)),),
    )
    document = document_to_jsonld(
        EPCISDocument(events=(moved,), creation_date=event.event_time, namespaces=NAMESPACES)
    )
    (stored,) = import_document(actor=seller_user, county_id=world.county.pk, document=document)
    assert stored.batch_id == target.pk and stored.kind == EventKind.PACKING
    assert packing_balance(target, excluding=None) == (300.0, 250.0, 50.0)


def test_packed_by_weight_cannot_outweigh_the_harvest(world, seller_user):
    product = ProductFactory(county=world.county, seller=world.seller, unit="kg")
    batch = make_batch(seller_user, product, lot="KG1")
    _harvest(batch, seller_user, kg=60.0)
    with translation.override("en"), pytest.raises(TraceError) as error:
        _pack(batch, seller_user, 61, 60)
    assert error.value.field == "packed_quantity" and "60 kg" in error.value.message
    _pack(batch, seller_user, 58, 60)  # trimming loses weight, never gains it


def test_jin_are_written_as_true_kilograms(world, seller_user):
    product = ProductFactory(county=world.county, seller=world.seller, unit="jin")
    batch = make_batch(seller_user, product, lot="JIN1", quantity="100")  # 100 jin = 50 kg
    _harvest(batch, seller_user, kg=55.0)
    with pytest.raises(TraceError):
        _pack(batch, seller_user, 111, 55)  # 55.5 kg out of 55 kg
    row = _pack(batch, seller_user, 100, 55)
    assert row.document["outputQuantityList"][0] == {
        "epcClass": lot_uri(batch),
        "quantity": 50.0,
        "uom": "KGM",
    }
    assert packing_balance(batch, excluding=None) == (55.0, 55.0, 100.0)


def test_a_corrected_first_packing_still_commissions_the_units(world, seller_user):
    batch = make_batch(seller_user, world.product, lot="SER2", serial_count=2)
    _harvest(batch, seller_user)
    first = _pack(batch, seller_user, 100, 500)
    fixed = _pack(batch, seller_user, 90, 450, corrects=first)
    assert len(fixed.document["outputEPCList"]) == 2
    second = _pack(batch, seller_user, 10, 50)
    assert "outputEPCList" not in second.document
