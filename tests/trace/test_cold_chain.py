"""A temperature logger's trip with a lot: upload, events, the public page, permissions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from countyhub.gs1.coldchain import Reading
from countyhub.trace import services, verification
from countyhub.trace.errors import TraceError
from countyhub.trace.forms import read_logger_csv
from countyhub.trace.models import EventKind
from tests.trace.test_trace_page import path_of


def _csv(values, *, start=None, header="时间,温度(℃)\n", encoding="utf-8"):
    start = start or timezone.localtime().replace(microsecond=0) - datetime.timedelta(days=2)
    lines = [
        f"{(start + datetime.timedelta(minutes=30 * i)):%Y-%m-%d %H:%M:%S},{value}"
        for i, value in enumerate(values)
    ]
    return (header + "\n".join(lines) + "\n").encode(encoding)


def test_csv_export_is_read_with_header_in_chinese_and_gb18030():
    readings = read_logger_csv("trip.csv", _csv([4, 5.5, "6℃"], encoding="gb18030"))
    assert [r.celsius for r in readings] == [4.0, 5.5, 6.0]
    assert all(timezone.is_aware(r.time) for r in readings)
    plain = read_logger_csv("trip.csv", _csv([4, 5], header=""))
    assert len(plain) == 2


def test_csv_problems_name_file_line_and_column():
    from django import forms

    raw = _csv([4, "warm", 5]) + b"yesterday,4\n"
    with pytest.raises(forms.ValidationError) as error:
        read_logger_csv("trip.csv", raw)
    messages = error.value.messages
    assert messages[0].startswith("trip.csv, line 3, column 温度(℃): 'warm'")
    assert messages[1].startswith("trip.csv, line 5, column 时间: 'yesterday'")


def test_upload_records_logger_on_readings_and_off(client, world, traced_batch, seller_user):
    client.force_login(seller_user)
    url = reverse("trace:cold_chain", args=[traced_batch.pk])
    upload = SimpleUploadedFile("trip.csv", _csv([3.5, 4, 5, 7.5, 6]), "text/csv")
    response = client.post(
        url, {"logger": "TL-0001", "required_min": "0", "required_max": "8", "readings": upload}
    )
    assert response.status_code == 302, response.content.decode()
    kinds = list(traced_batch.events.order_by("sequence").values_list("kind", flat=True))
    assert kinds[-3:] == ["logger_attached", "cold_chain", "logger_detached"]
    on = traced_batch.events.get(kind=EventKind.LOGGER_ATTACHED).document
    assert on["type"] == "AssociationEvent" and on["action"] == "ADD"
    assert on["parentID"].endswith("/8004/04520123TL-0001")  # county 520123's prefix
    traced_batch.refresh_from_db()
    assert verification.verify_batch(traced_batch) is None
    html = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="cold-chain"')[1].split("</div>")[0]
    assert "3.5–7.5 °C" in section and "kept cold" in section and "<svg" in section


def test_an_excursion_shows_out_of_range(client, traced_batch, seller_user):
    start = timezone.localtime() - datetime.timedelta(days=1)
    services.record_cold_chain(
        actor=seller_user,
        batch=traced_batch,
        logger="TL-0002",
        readings=[Reading(start, 4.0), Reading(start + datetime.timedelta(hours=3), 11.0)],
        required_min=0,
        required_max=8,
    )
    html = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="cold-chain"')[1].split("</div>")[0]
    assert "out of range" in section and "#c62828" in section


def test_bad_uploads_are_refused_and_nothing_is_recorded(client, traced_batch, seller_user):
    client.force_login(seller_user)
    url = reverse("trace:cold_chain", args=[traced_batch.pk])
    before = traced_batch.events.count()
    one = SimpleUploadedFile("one.csv", _csv([4]), "text/csv")
    response = client.post(url, {"logger": "TL-0001", "readings": one}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "at least two readings" in response.content.decode()
    bad_logger = SimpleUploadedFile("two.csv", _csv([4, 5]), "text/csv")
    response = client.post(url, {"logger": "TL 1", "readings": bad_logger})
    assert response.status_code == 400 and "position 3" in response.content.decode()
    inverted = SimpleUploadedFile("two.csv", _csv([4, 5]), "text/csv")
    response = client.post(
        url, {"logger": "TL1", "required_min": "8", "required_max": "2", "readings": inverted}
    )
    assert response.status_code == 400
    assert traced_batch.events.count() == before


def test_only_the_batch_seller_records_a_trip(client, world, traced_batch):
    url = reverse("trace:cold_chain", args=[traced_batch.pk])
    client.force_login(world.users["other_seller_staff"])
    upload = SimpleUploadedFile("trip.csv", _csv([4, 5]), "text/csv")
    assert client.post(url, {"logger": "TL1", "readings": upload}).status_code in (403, 404)
    assert client.get(url).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        services.record_cold_chain(
            actor=world.users["buyer"],
            batch=traced_batch,
            logger="TL1",
            readings=[Reading(timezone.now(), 4.0), Reading(timezone.now(), 5.0)],
        )
    assert not traced_batch.events.filter(kind=EventKind.COLD_CHAIN).exists()


def test_future_readings_are_refused(traced_batch, seller_user):
    later = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(TraceError) as error:
        services.record_cold_chain(
            actor=seller_user,
            batch=traced_batch,
            logger="TL1",
            readings=[Reading(timezone.now(), 4.0), Reading(later, 5.0)],
        )
    assert error.value.field == "event_time"


def test_a_trip_round_trips_through_epcis_import(
    world, traced_batch, seller_user, events_open_to_tampering
):
    from countyhub.trace.exchange import import_document
    from countyhub.trace.selectors import export_document
    from tests.trace.test_api_and_import import _reset

    start = timezone.localtime() - datetime.timedelta(days=1)
    services.record_cold_chain(
        actor=seller_user,
        batch=traced_batch,
        logger="TL-0003",
        readings=[Reading(start, 4.0), Reading(start + datetime.timedelta(hours=2), 5.0)],
        required_max=8,
    )
    document = export_document(traced_batch.events.order_by("sequence"))
    kinds = list(traced_batch.events.order_by("sequence").values_list("kind", "event_hash"))
    _reset(traced_batch)
    import_document(actor=seller_user, county_id=world.county.pk, document=document)
    again = list(traced_batch.events.order_by("sequence").values_list("kind", "event_hash"))
    assert again == kinds
