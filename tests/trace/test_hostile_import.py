"""EPCIS import of hostile documents (issue 13): too deep, or one event many times over."""

import copy
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from countyhub.core.services import issue_api_token
from countyhub.trace.models import Batch, TraceEvent
from countyhub.trace.selectors import export_document

DEEP = "[" * 100_000 + "]" * 100_000


def _post(client, world, raw):
    token = issue_api_token(user=world.users["seller_staff"])
    return client.post(
        f"/api/trace/epcis?county_id={world.county.pk}",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _empty(batch):
    """Only a test may empty a batch: the model refuses deletes."""
    TraceEvent.objects.filter(batch=batch)._raw_delete(using="default")
    Batch.objects.filter(pk=batch.pk).update(chain_head="0" * 64, event_count=0)


@pytest.mark.parametrize("raw", [DEEP, "{" + '"a":{' * 1000 + "}" * 1001])
def test_a_deeply_nested_document_is_refused_by_the_api(client, world, raw):
    response = _post(client, world, raw)
    body = response.json()
    assert (response.status_code, body["code"], body["field"]) == (422, "invalid_document", "body")
    assert body["message"] and [p["field"] for p in body["problems"]] == ["body"]
    assert "64" in body["problems"][0]["message"]


def test_a_deeply_nested_upload_is_refused_on_the_page(client, world, traced_batch):
    client.force_login(world.users["seller_staff"])
    upload = SimpleUploadedFile("deep.json", DEEP.encode())
    response = client.post(reverse("trace:import"), {"document": upload})
    assert response.status_code == 400
    assert "64" in str(response.context["form"].errors["document"])


def test_one_event_sent_again_under_new_ids_is_refused(
    client, world, traced_batch, events_open_to_tampering
):
    document = export_document(list(traced_batch.events.all()))
    _empty(traced_batch)
    events = document["epcisBody"]["eventList"]
    first = events[0]
    for copy_number in range(3):
        again = copy.deepcopy(first)
        again["eventID"] = f"urn:uuid:00000000-0000-4000-8000-00000000000{copy_number}"
        events.append(again)
    response = _post(client, world, json.dumps(document))
    assert response.status_code == 422
    duplicates = [p for p in response.json()["problems"] if p["field"] == "eventID"]
    assert [p["index"] for p in duplicates] == [6, 7, 8]
    assert all("event 0 of this document" in p["message"] for p in duplicates)
    assert traced_batch.events.count() == 0
