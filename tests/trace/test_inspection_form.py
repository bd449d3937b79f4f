"""The inspection form pre-sets nothing the inspector did not see: no certificate ticked, no
result chosen; an inspection names the standard or certificates checked and the result entered."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from countyhub.catalog.models import Certification, CertificationKind
from countyhub.trace.models import EventKind
from tests.trace.test_trace_page import path_of


@pytest.fixture
def green_food(world, batch):
    today = timezone.localdate()
    return Certification.objects.create(
        county=batch.county,
        product=batch.product,
        kind=CertificationKind.GREEN_FOOD,
        number="LB-18-2301",
        issuer="中国绿色食品发展中心",
        valid_from=today - datetime.timedelta(days=100),
        valid_until=today + datetime.timedelta(days=300),
    )


def _url(batch):
    return reverse("trace:record", args=[batch.pk, "inspection"])


def _post(client, batch, **values):
    data = {
        "event_time": (timezone.localtime() - datetime.timedelta(hours=1)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "title": "农药残留检测",
        "report_number": "QS-2026-7",
        "issuer": "县农产品质量检测站",
        **values,
    }
    return client.post(_url(batch), data, HTTP_ACCEPT_LANGUAGE="en")


def test_nothing_is_pre_ticked_or_pre_chosen(client, world, batch, green_food):
    client.force_login(world.users["seller_staff"])
    html = client.get(_url(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    boxes = re.findall(r"<input[^>]*name=\"certifications\"[^>]*>", html)
    assert len(boxes) == 1 and "checked" not in boxes[0]
    options = re.findall(r"<option[^>]*>", html.split('name="result"')[1].split("</select>")[0])
    assert not [option for option in options if "selected" in option and 'value=""' not in option]


def test_an_inspection_must_name_what_was_checked_and_the_result(client, world, batch, green_food):
    client.force_login(world.users["seller_staff"])
    response = _post(client, batch, result="pass")
    assert response.status_code == 400
    assert "Name the standard or tick the certificates checked." in response.content.decode()
    response = _post(client, batch, standard="GB 2763-2021")
    assert response.status_code == 400  # no result chosen
    assert not batch.events.filter(kind=EventKind.INSPECTION).exists()


def test_a_failed_certificate_check_is_shown_as_failed(client, world, batch, green_food):
    # On main every inspection showed "green food: pass", whatever was entered.
    client.force_login(world.users["seller_staff"])
    response = _post(client, batch, certifications=[str(green_food.pk)], result="fail")
    assert response.status_code == 302
    event = batch.events.get(kind=EventKind.INSPECTION)
    assert event.document["disposition"] == "non_conformant"
    results = {
        d["county:documentKind"]: d["county:result"] for d in event.document["county:documents"]
    }
    assert results == {"lab_report": "fail", "certificate": "fail"}
    client.logout()
    page = client.get("/" + path_of(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    inspections = page.split('id="inspections"')[1].split("</ul>")[0]
    assert "not conformant" in inspections and "green food" in inspections


def test_an_inspection_against_a_standard_names_it(client, world, batch):
    client.force_login(world.users["seller_staff"])
    response = _post(client, batch, standard="GB 2763-2021", result="pass")
    assert response.status_code == 302
    client.logout()
    page = client.get("/" + path_of(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    inspections = page.split('id="inspections"')[1].split("</ul>")[0]
    assert "农药残留检测 (GB 2763-2021)" in inspections and "conformant" in inspections
