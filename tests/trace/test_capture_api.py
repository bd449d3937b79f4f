"""EPCIS 2.0's capture interface over the import job of the upload page (issue 19): a document
of any size is queued (202 and the capture job's Location), the capture job says when every
event is stored or lists every problem with nothing stored, and is its user's only. The
synchronous import refuses a document above COUNTYHUB_EPCIS_SYNC_EVENTS, pointing to capture.

Most tests run the queued job here and now with jobs.execute, as tests/programs does; one
follows it on the web process's own job thread, as a deployment without Redis runs it."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from countyhub.core import import_jobs, jobs
from countyhub.core.models import AuditEntry, Job
from countyhub.trace import exchange
from countyhub.trace.import_job import JOB_KIND
from countyhub.trace.models import EventKind, TraceEvent
from tests.analyses.support import wait_for
from tests.api.conftest import ApiClient
from tests.factories.core import UserFactory


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def api(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return lambda user=None: ApiClient(client, user)


def capture(api, world, document, user="seller_staff"):
    return api(world.users[user]).post(f"/api/trace/capture?county_id={world.county.pk}", document)


def run_queued(response) -> str:
    """The capture job's URL, after running its job to the end in this test's transaction."""
    assert response.status_code == 202, response.json()
    jobs.execute(int(response.json()["captureID"]), heartbeat=False)
    return response["Location"]


@pytest.mark.django_db(transaction=True)
def test_a_good_document_is_captured_in_the_background(api, world, documents):
    fresh, good, _bad = documents
    response = capture(api, world, good)
    assert response.status_code == 202, response.json()
    job = Job.objects.get(pk=int(response.json()["captureID"]))
    assert response["Location"] == f"/api/trace/capture/{job.pk}"
    queued = response.json()
    assert (queued["running"], queued["success"], queued["finishedAt"]) == (True, False, None)
    assert queued["captureErrorBehaviour"] == "rollback" and queued["errors"] == []
    wait_for(job)  # the web process's job thread, as without Redis
    done = api(world.users["seller_staff"]).get(response["Location"]).json()
    assert (done["running"], done["success"], done["errors"]) == (False, True, [])
    assert done["createdAt"] <= done["finishedAt"]
    assert TraceEvent.objects.filter(batch=fresh).count() == 6
    listed = api(world.users["seller_staff"]).get("/api/trace/capture").json()
    assert [item["captureID"] for item in listed] == [str(job.pk)]


def test_a_bad_document_fails_listing_every_problem_and_stores_nothing(api, world, documents):
    fresh, _good, bad = documents
    before = TraceEvent.objects.count()
    at_once = api(world.users["seller_staff"]).post(
        f"/api/trace/epcis?county_id={world.county.pk}", bad
    )
    assert at_once.status_code == 422
    location = run_queued(capture(api, world, bad))
    job = api(world.users["seller_staff"]).get(location).json()
    assert (job["running"], job["success"]) == (False, False)
    assert job["errors"] == at_once.json()["problems"]  # every one, as the synchronous call
    assert {(p["index"], p["field"]) for p in job["errors"]} >= {
        (1, "bizStep"),
        (3, "eventTimeZoneOffset"),
    }
    assert TraceEvent.objects.count() == before
    assert not TraceEvent.objects.filter(batch=fresh).exists()


def test_a_retry_failing_otherwise_lists_its_own_error_not_the_earlier_problems(
    api, world, documents
):
    user = world.users["seller_staff"]
    location = run_queued(capture(api, world, documents[2]))
    job = Job.objects.get(pk=int(location.rsplit("/", 1)[1]))
    assert len(api(user).get(location).json()["errors"]) >= 2
    world.seller.staff.remove(user)
    assert jobs.retry(job, actor=user)
    jobs.execute(job.pk, heartbeat=False)
    assert api(user).get(location).json()["errors"] == [
        {"index": None, "field": "", "message": "You may no longer import EPCIS documents."}
    ]


def test_a_capture_job_is_its_users_only(api, world, documents):
    _fresh, good, _bad = documents
    location = run_queued(capture(api, world, good))
    job_id = location.rsplit("/", 1)[1]
    for someone in ("other_seller_staff", "county_admin", "other_county_admin", "buyer"):
        other = api(world.users[someone])
        assert other.get(location).status_code == 404, someone
        assert other.get(f"/api/jobs/{job_id}").status_code == 404, someone
        assert other.get("/api/trace/capture").json() == [], someone
    assert api().get(location).status_code == 401
    superuser = api(UserFactory(is_superuser=True, is_staff=True))
    assert superuser.get(location).json()["success"] is True
    mine = api(world.users["seller_staff"]).get(f"/api/jobs/{job_id}").json()
    assert (mine["kind"], mine["status"]) == ("trace.import_epcis", "succeeded")


def test_only_importers_capture_and_a_body_not_json_is_refused_at_once(
    api, world, documents, client
):
    assert capture(api, world, documents[1], user="buyer").status_code == 403
    assert capture(api, world, documents[1], user="anonymous").status_code == 401
    response = client.post(
        f"/api/trace/capture?county_id={world.county.pk}",
        data="{not json",
        content_type="application/json",
        headers=api(world.users["seller_staff"]).headers,
    )
    assert response.status_code == 422 and response.json()["problems"][0]["field"] == "body"
    assert not Job.objects.exists()


def test_a_body_larger_than_the_upload_pages_limit_is_refused(api, world, documents, monkeypatch):
    monkeypatch.setattr(import_jobs, "MAX_UPLOAD_BYTES", 1000)
    response = capture(api, world, documents[1])
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert response["GS1-EPCIS-Capture-File-Size-Limit"] == "1000"
    assert not Job.objects.exists()


def test_another_kind_of_job_is_no_capture_job(api, world, documents):
    user = world.users["seller_staff"]
    other = Job.objects.create(kind="programs.payout_run", created_by=user, county=world.county)
    assert api(user).get(f"/api/trace/capture/{other.pk}").status_code == 404
    assert api(user).get(f"/api/jobs/{other.pk}").status_code == 200


def test_the_synchronous_import_refuses_more_events_than_its_limit(api, world, documents, settings):
    fresh, good, _bad = documents
    before = TraceEvent.objects.count()
    settings.COUNTYHUB_EPCIS_SYNC_EVENTS = 5  # the document holds 6
    response = api(world.users["seller_staff"]).post(
        f"/api/trace/epcis?county_id={world.county.pk}", good
    )
    assert response.status_code == 413
    body = response.json()
    assert (body["code"], body["field"]) == ("too_many_events", "epcisBody.eventList")
    assert "/api/trace/capture" in body["message"] and "6 events" in body["message"]
    assert TraceEvent.objects.count() == before and not Job.objects.exists()
    settings.COUNTYHUB_EPCIS_SYNC_EVENTS = 6
    response = api(world.users["seller_staff"]).post(
        f"/api/trace/epcis?county_id={world.county.pk}", good
    )
    assert response.status_code == 201 and response.json()["imported"] == 6
    assert TraceEvent.objects.filter(batch=fresh).count() == 6


def test_the_list_is_newest_first_paged_and_its_queries_do_not_grow(api, world, documents):
    user = world.users["seller_staff"]
    client = api(user)

    def listing(**query):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/trace/capture?{urlencode(query)}")
        return [item["captureID"] for item in response.json()], len(captured)

    first = Job.objects.create(kind=JOB_KIND, created_by=user, county=world.county)
    listing()  # the token's first use is recorded once
    _ids, one_job = listing()
    newer = [Job.objects.create(kind=JOB_KIND, created_by=user, county=world.county) for _ in "ab"]
    ids, three_jobs = listing()
    assert ids == [str(job.pk) for job in (newer[1], newer[0], first)]
    assert three_jobs == one_job
    assert listing(limit=1, offset=1)[0] == [str(newer[0].pk)]


def test_options_tells_the_capture_interfaces_versions_limits_and_behaviours(
    api, world, settings, client
):
    settings.COUNTYHUB_EPCIS_CAPTURE_EVENTS = 1234
    response = client.options(
        "/api/trace/capture", headers=api(world.users["seller_staff"]).headers
    )
    assert response.status_code == 204, response.content
    assert response["Allow"] == "OPTIONS, GET, POST"
    assert (response["GS1-EPCIS-Version"], response["GS1-CBV-Version"]) == ("2.0.0", "2.0.0")
    assert response["GS1-EPCIS-Capture-Limit"] == "1234"
    assert response["GS1-EPCIS-Capture-File-Size-Limit"] == str(import_jobs.MAX_UPLOAD_BYTES)
    assert response["GS1-Capture-Error-Behaviour"] == "rollback, proceed"
    assert client.options("/api/trace/capture").status_code == 401  # as the rest of the API


def capture_proceeding(api, world, document):
    return api(world.users["seller_staff"]).post(
        f"/api/trace/capture?county_id={world.county.pk}",
        document,
        headers={"GS1-Capture-Error-Behaviour": "proceed"},
    )


def test_proceed_stores_the_valid_events_and_lists_the_others(api, world, documents):
    fresh, good, _bad = documents
    document = json.loads(json.dumps(good))
    document["epcisBody"]["eventList"][1]["bizStep"] = "harvesting"  # fertilising: not CBV
    response = capture_proceeding(api, world, document)
    assert response.json()["captureErrorBehaviour"] == "proceed"
    location = run_queued(response)
    job = api(world.users["seller_staff"]).get(location).json()
    assert (job["running"], job["success"], job["captureErrorBehaviour"]) == (
        False,
        False,
        "proceed",
    )
    assert [(p["index"], p["field"]) for p in job["errors"]] == [(1, "bizStep")]
    stored = list(TraceEvent.objects.filter(batch=fresh).order_by("sequence"))
    assert len(stored) == 5
    result = Job.objects.get(pk=int(response.json()["captureID"])).result
    assert result["event_ids"] == [row.event_id for row in stored] and result["events"] == 5
    audit = AuditEntry.objects.get(action="trace.import.queued")
    assert audit.changes["error_behaviour"] == "proceed"


def test_proceed_refuses_the_events_that_depend_on_a_refused_one(api, world, documents):
    """The bad document's harvest (event 3) is refused: the inspection and the packing of its
    lot after it would be a history without its harvest, so they are refused too."""
    fresh, _good, bad = documents
    location = run_queued(capture_proceeding(api, world, bad))
    errors = api(world.users["seller_staff"]).get(location).json()["errors"]
    assert [p["index"] for p in errors] == [1, 3, 4, 5]
    assert (errors[1]["field"], errors[0]["field"]) == ("eventTimeZoneOffset", "bizStep")
    assert [(p["field"], p["message"]) for p in errors[2:]] == [
        ("quantityList[0].epcClass", "depends on event 3, which was refused"),  # inspection
        ("inputQuantityList[0].epcClass", "depends on event 3, which was refused"),  # packing
    ]
    kinds = list(TraceEvent.objects.filter(batch=fresh).order_by("sequence").values_list("kind"))
    assert kinds == [("planting",), ("spraying",)]  # events 0 and 2, nothing else of the lot


def test_proceed_refuses_an_error_declaration_whose_corrective_event_was_refused(
    world, seller_user, traced_batch, documents
):
    _fresh, good, _bad = documents
    inspection = traced_batch.events.get(kind=EventKind.INSPECTION).document
    corrective = {**inspection, "eventID": "urn:uuid:6a1b0c9e-8f0b-4e0c-9d3e-0b8b1d6f2a11"}
    del corrective["eventTimeZoneOffset"]
    declaration = {
        **inspection,
        "errorDeclaration": {
            "declarationTime": inspection["eventTime"],
            "reason": "incorrect_data",
            "correctiveEventIDs": [corrective["eventID"]],
        },
    }
    good["epcisBody"]["eventList"] = [corrective, declaration, good["epcisBody"]["eventList"][0]]
    imported = exchange.import_valid_events(
        actor=seller_user, county_id=world.county.pk, document=good
    )
    assert [(p.index, p.field, p.message) for p in imported.refused] == [
        (0, "eventTimeZoneOffset", imported.refused[0].message),
        (1, "errorDeclaration.correctiveEventIDs[0]", "depends on event 0, which was refused"),
    ]
    assert [row.kind for row in imported.rows] == ["planting"]
    assert imported.event_ids == [imported.rows[0].event_id]
    assert not traced_batch.events.filter(kind=EventKind.ERROR_DECLARATION).exists()


def test_a_document_level_problem_refuses_a_proceeding_capture_whole(api, world, documents):
    _fresh, good, _bad = documents
    good["@context"] = [good["@context"][0], {"county": "https://elsewhere.example/"}]
    job = (
        api(world.users["seller_staff"])
        .get(run_queued(capture_proceeding(api, world, good)))
        .json()
    )
    assert (job["success"], job["errors"][0]["field"]) == (False, "@context")
    assert job["captureErrorBehaviour"] == "proceed"
    assert not TraceEvent.objects.filter(batch=documents[0]).exists()


def test_an_unknown_error_behaviour_is_refused_naming_the_header(api, world, documents):
    response = api(world.users["seller_staff"]).post(
        f"/api/trace/capture?county_id={world.county.pk}",
        documents[1],
        headers={"GS1-Capture-Error-Behaviour": "ignore"},
    )
    body = response.json()
    assert (response.status_code, body["field"]) == (422, "GS1-Capture-Error-Behaviour")
    assert "'rollback'" in body["message"] and "'proceed'" in body["message"]
    assert not Job.objects.exists()


def test_a_capture_of_more_events_than_its_limit_is_refused(api, world, documents, settings):
    settings.COUNTYHUB_EPCIS_CAPTURE_EVENTS = 5  # the document holds 6
    response = capture(api, world, documents[1])
    body = response.json()
    assert (response.status_code, body["code"]) == (413, "too_many_events")
    assert response["GS1-EPCIS-Capture-Limit"] == "5" and "6 events" in body["message"]
    assert not Job.objects.exists()
    settings.COUNTYHUB_EPCIS_CAPTURE_EVENTS = 6
    assert capture(api, world, documents[1]).status_code == 202
