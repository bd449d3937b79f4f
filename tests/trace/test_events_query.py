"""EPCIS 2.0's query of events, page by page (GET /api/trace/events, issue 19): an
EPCISQueryDocument of the events of the user's batches, filtered and ordered by event time,
walked with signed keyset tokens that serve only their own query; and the range export, capped
at COUNTYHUB_EPCIS_SYNC_EVENTS events."""

from __future__ import annotations

import datetime
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import time_machine
from django.utils import timezone, translation

from countyhub.gs1 import cbv
from countyhub.gs1.epcis import event_from_jsonld, validate_document
from countyhub.trace import services
from countyhub.trace.models import EventKind
from tests.api.conftest import ApiClient
from tests.factories.trace import make_batch
from tests.trace.conftest import days_ago, record_history


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def api(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return lambda user=None: ApiClient(client, user)


def query(client, **parameters):
    return client.get(f"/api/trace/events?{urlencode(parameters)}")


def event_ids(response):
    body = response.json()
    assert body["type"] == "EPCISQueryDocument"
    results = body["epcisBody"]["queryResults"]
    assert results["queryName"] == "SimpleEventQuery"
    return [event["eventID"] for event in results["resultsBody"]["eventList"]]


def walk(client, **parameters):
    """Every page's event IDs, following the Link headers, and the responses."""
    pages, responses = [], []
    response = query(client, **parameters)
    while True:
        assert response.status_code == 200, response.content
        responses.append(response)
        pages.append(event_ids(response))
        if "Link" not in response:
            return pages, responses
        url, rel = response["Link"].split("; ")
        assert rel == 'rel="next"' and url.startswith("</api/trace/events?")
        response = client.client.get(url[1:-1], headers=client.headers)


def flat(pages):
    return [event_id for page in pages for event_id in page]


def test_the_pages_give_every_event_once_in_event_time_order(api, world, traced_batch):
    client = api(world.users["seller_staff"])
    pages, responses = walk(client, perPage=4)
    assert [len(page) for page in pages] == [4, 2]
    stored = traced_batch.events.order_by("event_time", "pk")
    assert flat(pages) == [row.event_id for row in stored]
    expires = datetime.datetime.fromisoformat(responses[0]["GS1-Next-Page-Token-Expires"])
    assert expires - timezone.now() > datetime.timedelta(minutes=59)
    assert responses[0]["GS1-Next-Page-Token-Expires"].endswith("Z")
    document = responses[0].json()  # the events validate as those of an EPCISDocument
    events = document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    envelope = {**document, "type": "EPCISDocument", "epcisBody": {"eventList": events}}
    assert validate_document(envelope) == []


def test_a_walk_is_not_thrown_by_events_recorded_between_its_pages(
    api, world, traced_batch, seller_user
):
    client = api(world.users["seller_staff"])
    before = [row.event_id for row in traced_batch.events.order_by("event_time", "pk")]
    first = query(client, perPage=3)
    seen = event_ids(first)
    # One event before the pages read (an offset would then give one twice), one after.
    services.record_farming_step(
        actor=seller_user,
        batch=traced_batch,
        step=cbv.FarmingStep.FERTILISING,
        details=cbv.Fertilising(product="有机肥", dose=50.0, dose_unit="KGM", per_area_mu=1.0),
        event_time=days_ago(150),
    )
    services.record_inspection(
        actor=seller_user,
        batch=traced_batch,
        documents=[
            cbv.AttachedDocument(
                kind="lab_report",
                uri="urn:countyhub:lab-report:2026-0043",
                result=cbv.DocumentResult.PASS,
                issuer="县农产品质量检测站",
                title="复检",
            )
        ],
        event_time=days_ago(5),
    )
    link = first["Link"].split(";")[0][1:-1]
    rest = client.client.get(link, headers=client.headers)
    seen += event_ids(rest)
    while "Link" in rest:
        rest = client.client.get(rest["Link"].split(";")[0][1:-1], headers=client.headers)
        seen += event_ids(rest)
    assert len(seen) == len(set(seen)) == len(before) + 1  # the later new one is read, once
    assert set(before) <= set(seen)


def test_another_sellers_events_never_appear(api, world, traced_batch):
    other_user = world.users["other_seller_staff"]
    theirs = record_history(make_batch(other_user, world.other_product, lot="B-1"), other_user)
    mine = {row.event_id for row in traced_batch.events.all()}
    their_ids = {row.event_id for row in theirs.events.all()}
    pages, _responses = walk(api(other_user), perPage=2)
    assert set(flat(pages)) == their_ids
    pages, _responses = walk(api(world.users["seller_staff"]), perPage=5)
    assert set(flat(pages)) == mine
    assert event_ids(query(api(world.users["county_admin"]))) != []  # the county's batches
    for someone in ("buyer", "other_county_admin"):
        assert event_ids(query(api(world.users[someone]))) == [], someone
    assert query(api()).status_code == 401


def test_the_filters(api, world, traced_batch):
    client = api(world.users["seller_staff"])
    kinds = dict(traced_batch.events.values_list("event_id", "kind"))

    def kinds_of(**parameters):
        return sorted(kinds[event_id] for event_id in event_ids(query(client, **parameters)))

    assert kinds_of(eventType="TransformationEvent") == [EventKind.PACKING]
    assert kinds_of(EQ_bizStep="commissioning") == [EventKind.HARVEST, EventKind.PACKING]
    assert kinds_of(EQ_bizStep="https://ref.gs1.org/cbv/BizStep-commissioning") == kinds_of(
        EQ_bizStep="urn:epcglobal:cbv:bizstep:commissioning"
    )
    assert kinds_of(EQ_bizStep="inspecting", eventType="ObjectEvent") == [EventKind.INSPECTION]
    # Harvest 10 days ago, inspection 9, packing 8: [10 days ago, 8 days ago) holds two.
    window = {
        "GE_eventTime": days_ago(10).isoformat(),
        "LT_eventTime": days_ago(8).isoformat(),
    }
    assert kinds_of(**window) == [EventKind.HARVEST, EventKind.INSPECTION]


def test_an_event_declared_in_error_comes_once_in_its_declared_form(
    api, world, traced_batch, seller_user
):
    harvest = traced_batch.events.get(kind=EventKind.HARVEST)
    original = event_from_jsonld(harvest.document)
    corrective = replace(
        original, event_id=None, quantity_list=(replace(original.quantity_list[0], quantity=110),)
    )
    services.correct_event(actor=seller_user, erroneous=harvest, corrective=corrective)
    pages, responses = walk(api(seller_user), perPage=1)
    seen = flat(pages)
    assert len(seen) == len(set(seen)) == 7  # six events and the corrective one
    declared = [
        event
        for response in responses
        for event in response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        if event["eventID"] == harvest.event_id
    ]
    assert len(declared) == 1 and "errorDeclaration" in declared[0]


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"perPage": 0}, "perPage"),
        ({"perPage": 1001}, "perPage"),
        ({"GE_eventTime": "2026-01-01T00:00:00"}, "GE_eventTime"),  # no offset
        ({"LT_eventTime": "yesterday"}, "LT_eventTime"),
        ({"eventType": "Event"}, "eventType"),
    ],
)
def test_bad_parameters_are_named(api, world, parameters, field):
    response = query(api(world.users["seller_staff"]), **parameters)
    assert (response.status_code, response.json()["field"]) == (422, field)


def _next_token(response):
    return parse_qs(urlsplit(response["Link"].split(";")[0][1:-1]).query)["nextPageToken"][0]


def test_a_page_token_serves_only_its_own_query_and_expires(api, world, traced_batch, settings):
    client = api(world.users["seller_staff"])
    since = days_ago(365).isoformat()
    token = _next_token(query(client, perPage=2, GE_eventTime=since))
    assert query(client, perPage=3, GE_eventTime=since, nextPageToken=token).status_code == 200

    def refused(**parameters):
        response = query(client, **parameters)
        assert (response.status_code, response.json()["field"]) == (422, "nextPageToken")
        return response.json()["message"]

    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert "not valid" in refused(GE_eventTime=since, nextPageToken=tampered)
    assert "another query" in refused(nextPageToken=token)  # without its filter
    assert "another query" in refused(
        GE_eventTime=since, eventType="ObjectEvent", nextPageToken=token
    )
    other = api(world.users["county_admin"])
    response = query(other, GE_eventTime=since, nextPageToken=token)
    assert response.status_code == 422  # another user's
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1, seconds=5)):
        assert "expired" in refused(GE_eventTime=since, nextPageToken=token)
    settings.COUNTYHUB_EPCIS_PAGE_TOKEN_SECONDS = 7200
    assert query(client, GE_eventTime=since, nextPageToken=token).status_code == 200


def test_the_range_export_refuses_more_events_than_it_exports_at_once(
    api, world, traced_batch, settings
):
    client = api(world.users["seller_staff"])
    settings.COUNTYHUB_EPCIS_SYNC_EVENTS = 5  # the batch has 6 events
    response = client.get("/api/trace/epcis")
    body = response.json()
    assert (response.status_code, body["code"]) == (413, "too_many_events")
    assert "/api/trace/events" in body["message"] and "/trace/export/" in body["message"]
    settings.COUNTYHUB_EPCIS_SYNC_EVENTS = 6
    response = client.get("/api/trace/epcis")
    assert len(response.json()["epcisBody"]["eventList"]) == 6
