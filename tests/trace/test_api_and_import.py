"""EPCIS over the API: export, the round trip that loses nothing, all-or-nothing import."""

import copy

import pytest

from countyhub.gs1.epcis import validate_document
from countyhub.trace.exchange import import_document
from countyhub.trace.models import Batch, TraceEvent
from countyhub.trace.selectors import export_document
from countyhub.trace.verification import verify_batch
from tests.api.conftest import ApiClient


@pytest.fixture
def api(client):
    return lambda user=None: ApiClient(client, user)


def test_export_by_role(api, world, traced_batch):
    url = f"/api/trace/batches/{traced_batch.pk}/epcis"
    ok = api(world.users["seller_staff"]).get(url)
    assert ok.status_code == 200 and validate_document(ok.json()) == []
    assert api(world.users["county_admin"]).get(url).status_code == 200
    for role in ("other_seller_staff", "other_county_admin", "buyer", "analyst"):
        assert api(world.users[role]).get(url).status_code == 404
    assert api().get(url).status_code == 401


def test_batch_list_is_scoped(api, world, traced_batch):
    mine = api(world.users["seller_staff"]).get("/api/trace/batches").json()
    assert [b["lot"] for b in mine] == [traced_batch.lot]
    assert mine[0]["digital_link"].endswith(f"/10/{traced_batch.lot}")
    assert api(world.users["other_seller_staff"]).get("/api/trace/batches").json() == []


def _reset(batch):
    """Empty the batch's stored events (only a test may: the model refuses deletes)."""
    TraceEvent.objects.filter(batch=batch)._raw_delete(using="default")
    Batch.objects.filter(pk=batch.pk).update(chain_head="0" * 64, event_count=0)


def test_round_trip_loses_nothing(api, world, traced_batch, events_open_to_tampering):
    from dataclasses import replace

    from countyhub.gs1.epcis import event_from_jsonld
    from countyhub.trace.services import correct_event

    seller = world.users["seller_staff"]
    harvest = traced_batch.events.get(kind="harvest")
    original = event_from_jsonld(harvest.document)
    correct_event(
        actor=seller,
        erroneous=harvest,
        corrective=replace(
            original,
            event_id=None,
            quantity_list=(replace(original.quantity_list[0], quantity=1.5),),
        ),
    )
    client = api(seller)
    exported = client.get(f"/api/trace/batches/{traced_batch.pk}/epcis").json()
    before = [(e.event_id, e.event_hash, e.document) for e in traced_batch.events.all()]
    _reset(traced_batch)
    response = client.post(f"/api/trace/epcis?county_id={world.county.pk}", exported)
    assert response.status_code == 201, response.json()
    assert response.json()["imported"] == 7
    again = client.get(f"/api/trace/batches/{traced_batch.pk}/epcis").json()
    assert again["epcisBody"] == exported["epcisBody"]
    kept = {(e.event_id, e.event_hash) for e in traced_batch.events.all()}
    assert kept <= {(event_id, event_hash) for event_id, event_hash, _doc in before}
    assert verify_batch(Batch.objects.get(pk=traced_batch.pk)) is None


def test_import_refuses_the_whole_document_naming_every_problem(api, world, traced_batch):
    document = export_document(list(traced_batch.events.all()))
    bad = copy.deepcopy(document)
    events = bad["epcisBody"]["eventList"]
    events[0]["eventTime"] = "2026-01-01T08:00:00"  # no offset
    events[2]["quantityList"][0]["epcClass"] = events[2]["quantityList"][0]["epcClass"].replace(
        "/10/", "/10/X"
    )  # a lot this county does not have
    events[4]["disposition"] = "fresh"
    response = api(world.users["seller_staff"]).post(
        f"/api/trace/epcis?county_id={world.county.pk}", bad
    )
    assert response.status_code == 422
    problems = {(p["index"], p["field"]) for p in response.json()["problems"]}
    assert (0, "eventTime") in problems and (4, "disposition") in problems
    assert traced_batch.events.count() == 6
    # Schema-valid now, but one event is about an unknown lot: still nothing imported.
    events[0]["eventTime"] = "2026-01-01T08:00:00+08:00"
    events[4]["disposition"] = "conformant"
    response = api(world.users["seller_staff"]).post(
        f"/api/trace/epcis?county_id={world.county.pk}", bad
    )
    assert response.status_code == 422
    assert [(p["index"], p["field"]) for p in response.json()["problems"]] == [
        (2, "quantityList[0].epcClass")
    ]
    assert response.json()["code"] == "invalid_document"
    assert response.json()["field"] == "quantityList[0].epcClass"
    assert traced_batch.events.count() == 6


def test_duplicates_are_refused(world, traced_batch):
    from countyhub.trace.errors import DocumentRejectedError

    document = export_document(list(traced_batch.events.all()))
    with pytest.raises(DocumentRejectedError) as error:
        import_document(
            actor=world.users["seller_staff"], county_id=world.county.pk, document=document
        )
    assert {p.message for p in error.value.problems} == {"this event is already recorded"}


def test_other_seller_cannot_import_into_my_batch(
    api, world, traced_batch, events_open_to_tampering
):
    document = export_document(list(traced_batch.events.all()))
    _reset(traced_batch)
    response = api(world.users["other_seller_staff"]).post(
        f"/api/trace/epcis?county_id={world.county.pk}", document
    )
    assert response.status_code == 422
    assert traced_batch.events.count() == 0
    response = api(world.users["buyer"]).post(
        f"/api/trace/epcis?county_id={world.county.pk}", document
    )
    assert response.status_code == 403


def test_not_json_names_the_body(client, world):
    from countyhub.core.services import issue_api_token

    token = issue_api_token(user=world.users["seller_staff"])
    response = client.post(
        f"/api/trace/epcis?county_id={world.county.pk}",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422 and response.json()["field"] == "body"
    assert response.json()["code"] == "invalid_document"
    assert [p["field"] for p in response.json()["problems"]] == ["body"]
