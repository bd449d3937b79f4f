"""The enumerators' phone page and its session endpoint: the county's collecting forms, the same
submission contract as OpenRosa (CSRF header, repeat is 201 once), villages limit households."""

from __future__ import annotations

import pytest
from django.test import Client

from countyhub.catalog.models import Household
from countyhub.surveys.models import Submission
from countyhub.surveys.services import assign_villages
from tests.factories.core import MembershipFactory, UserFactory, VillageFactory
from tests.surveys.conftest import instance_xml

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _submit(client: Client, field, xml: bytes):
    page = client.get(f"/c/{field.world.county.slug}/surveys/collect/")
    token = (
        page.cookies["csrftoken"].value
        if "csrftoken" in page.cookies
        else client.cookies["csrftoken"].value
    )
    return client.post(
        f"/c/{field.world.county.slug}/surveys/collect/submit",
        xml,
        content_type="text/xml",
        HTTP_X_CSRFTOKEN=token,
    )


def test_the_page_shows_the_collecting_form_in_the_page_language(field):
    response = _client(field.enumerator).get(f"/c/{field.world.county.slug}/surveys/collect/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-form-id="hh_test"' in body and 'name="/data/ec/ec1"' in body
    assert "I sell farm products online" in body and "Strongly agree" in body
    assert 'name="/data/income"' in body and "yuan of 2022" in body
    assert f'<option value="{field.household.pk}">' in body
    assert "surveys/collect.js" in body and "<script>" not in body
    # The header leads the enumerator here from every page.
    home = _client(field.enumerator).get(f"/c/{field.world.county.slug}/").content.decode()
    assert f'href="/c/{field.world.county.slug}/surveys/collect/"' in home


def test_a_session_post_needs_the_csrf_header(field):
    client = _client(field.enumerator)
    client.get(f"/c/{field.world.county.slug}/surveys/collect/")
    response = client.post(
        f"/c/{field.world.county.slug}/surveys/collect/submit",
        instance_xml("uuid:a"),
        content_type="text/xml",
    )
    assert response.status_code == 403 and not Submission.objects.exists()


def test_the_same_answer_twice_is_201_twice_and_one_row(field):
    client = _client(field.enumerator)
    xml = instance_xml("uuid:page-1", household=str(field.household.pk))
    first = _submit(client, field, xml)
    assert first.status_code == 201 and first.json() == {
        "instance_id": "uuid:page-1",
        "created": True,
    }
    again = _submit(client, field, xml)
    assert again.status_code == 201 and again.json()["created"] is False
    answer = Submission.objects.get()
    assert answer.enumerator == field.enumerator and answer.household == field.household
    other = _submit(client, field, instance_xml("uuid:page-1", ec1="1"))
    assert other.status_code == 409 and Submission.objects.count() == 1


def test_other_roles_and_counties_are_refused(field):
    for user in (field.world.users["buyer"], field.world.users["seller_staff"]):
        client = _client(user)
        assert client.get(f"/c/{field.world.county.slug}/surveys/collect/").status_code == 403
    outsider = UserFactory(username="enumerator-elsewhere")
    MembershipFactory(user=outsider, role="enumerator")
    client = _client(outsider)
    assert client.get(f"/c/{field.world.county.slug}/surveys/collect/").status_code == 403
    response = client.post(
        f"/c/{field.world.county.slug}/surveys/collect/submit",
        instance_xml("uuid:x"),
        content_type="text/xml",
    )
    assert response.status_code == 403 and not Submission.objects.exists()


def test_assigned_villages_limit_the_households(field):
    mine = VillageFactory(township__county=field.world.county)
    own = Household.objects.create(county=field.world.county, village=mine, head_name="李四")
    assign_villages(actor=field.world.users["county_admin"], user=field.enumerator, villages=[mine])
    client = _client(field.enumerator)
    body = client.get(f"/c/{field.world.county.slug}/surveys/collect/").content.decode()
    assert f'<option value="{own.pk}">' in body
    assert f'<option value="{field.household.pk}">' not in body
    refused = _submit(client, field, instance_xml("uuid:v1", household=str(field.household.pk)))
    assert refused.status_code == 403 and not Submission.objects.exists()
    taken = _submit(client, field, instance_xml("uuid:v2", household=str(own.pk)))
    assert taken.status_code == 201 and Submission.objects.get().household == own


def test_the_service_worker_is_served_under_the_page_to_its_enumerators(field):
    url = f"/c/{field.world.county.slug}/surveys/collect/worker.js"
    response = _client(field.enumerator).get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert (
        f'var PAGE = "/c/{field.world.county.slug}/surveys/collect/"' in response.content.decode()
    )
    assert _client(field.world.users["buyer"]).get(url).status_code == 403
