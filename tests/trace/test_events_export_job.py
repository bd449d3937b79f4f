"""The back office's EPCIS export of a date range is made by a background job (issue 19): the
export page posts the dates, the job makes the JSON-LD document the page used to send, and only
its user downloads it."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus
from countyhub.gs1.epcis import EPCIS_CONTEXT, SCHEMA_VERSION, validate_document
from countyhub.trace.events_export import EVENTS_EXPORT
from countyhub.trace.identifiers import NAMESPACES
from tests.trace.conftest import days_ago

pytestmark = pytest.mark.django_db

RUN_AT = datetime.datetime(2026, 12, 7, 8, 30, 5, tzinfo=datetime.UTC)
URL = "/trace/export/"


def _start(client, world, user: str = "seller_staff", **data) -> Job:
    client.force_login(world.users[user])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(URL, data)
    job = Job.objects.filter(kind=EVENTS_EXPORT).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    return job


def _run(job: Job) -> Job:
    with time_machine.travel(RUN_AT, tick=False):  # the document's creation date
        jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    return job


def _download(client, job: Job) -> bytes:
    assert job.status == JobStatus.SUCCEEDED, job.error
    response = client.get(reverse("job_file", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    assert response["Content-Disposition"] == 'attachment; filename="epcis-events.jsonld"'
    return b"".join(response.streaming_content)


def test_the_file_is_the_document_of_the_events_in_the_range(client, world, traced_batch):
    since = days_ago(11).date()
    job = _run(_start(client, world, since=since.isoformat()))
    assert job.inputs == {
        "since": since.isoformat(),
        "until": None,
        "sellers": [traced_batch.seller_id],
        "counties": [],
    }
    content = _download(client, job)
    in_range = [
        event.document
        for event in traced_batch.events.order_by("sequence")
        if timezone.localdate(event.event_time) >= since
    ]
    assert [(e["type"], e["bizStep"]) for e in in_range] == [
        ("ObjectEvent", "commissioning"),  # the harvest
        ("ObjectEvent", "inspecting"),
        ("TransformationEvent", "commissioning"),  # packing: harvest in, packed lot out
    ]
    document = {
        "@context": [EPCIS_CONTEXT, NAMESPACES],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": "2026-12-07T08:30:05Z",
        "epcisBody": {"eventList": in_range},
    }
    # UTF-8, Chinese as written, indented by one space: as the page's download was.
    assert content == json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
    assert validate_document(json.loads(content)) == []
    assert job.result["url"] == reverse("trace:batches")


def test_an_open_range_exports_every_event_and_the_county_staff_see_them(
    client, world, traced_batch
):
    until = days_ago(30).date().isoformat()
    early = json.loads(_download(client, _run(_start(client, world, until=until))))
    assert len(early["epcisBody"]["eventList"]) == 3  # planting, fertilising, spraying
    job = _run(_start(client, world, "county_admin"))
    assert job.inputs["counties"] == [world.county.pk] and job.county == world.county
    assert len(json.loads(_download(client, job))["epcisBody"]["eventList"]) == 6


def test_the_page_offers_the_form_and_a_get_starts_nothing(client, world, traced_batch):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    client.force_login(world.users["seller_staff"])
    batches = client.get(reverse("trace:batches")).content.decode()
    assert f'href="{URL}"' in batches
    page = client.get(URL, {"since": "2026-01-01"}, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="events-export"' in html
    assert 'name="since"' in html and 'name="until"' in html and "csrfmiddlewaretoken" in html
    bad = client.post(URL, {"since": "yesterday"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and "Enter a valid date." in bad.content.decode()
    assert not Job.objects.exists()


def test_the_start_is_audited(client, world, traced_batch):
    job = _start(client, world, since="2026-01-01", until="2026-06-30")
    audit = AuditEntry.objects.get(action="trace.events_export.started")
    assert audit.actor == world.users["seller_staff"] and audit.county == world.county
    assert audit.object_id == str(job.pk)
    assert audit.changes == {"since": "2026-01-01", "until": "2026-06-30"}
    assert (job.created_by, job.county) == (world.users["seller_staff"], world.county)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "You no longer manage all the batches of this export."),
        ("zh-hans", "您已不再管理本次导出涉及的全部批次。"),  # the language of the page that asked
    ],
)
def test_a_user_who_left_the_seller_gets_a_failed_job(
    client, world, traced_batch, language, message
):
    client.force_login(world.users["seller_staff"])
    client.post(URL, {}, HTTP_ACCEPT_LANGUAGE=language)
    job = Job.objects.get(kind=EVENTS_EXPORT)
    world.seller.staff.remove(world.users["seller_staff"])
    job = _run(job)
    assert job.status == JobStatus.FAILED and not job.output_file
    assert job.error == message
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


def test_another_seller_gets_neither_the_job_nor_these_events(client, world, traced_batch):
    job = _run(_start(client, world))
    for other in ("other_seller_staff", "county_admin", "other_county_admin", "buyer"):
        client.force_login(world.users[other])
        for name in ("job", "job_file", "job_progress"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
    for other in ("other_seller_staff", "other_county_admin"):
        theirs = _run(_start(client, world, other))
        assert json.loads(_download(client, theirs))["epcisBody"]["eventList"] == [], other
