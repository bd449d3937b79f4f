"""The OpenRosa server: form list and download, HEAD and POST of submissions with ODK Central's
contract (identical repost succeeds and merges media, other XML is 409, deprecatedID edits)."""

from __future__ import annotations

import base64
import threading

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from countyhub.core.models import AuditEntry
from countyhub.core.services import issue_api_token
from countyhub.surveys.models import Submission
from countyhub.surveys.services import link_household
from tests.conftest import requires_postgres
from tests.factories.core import MembershipFactory, UserFactory
from tests.surveys.conftest import basic, instance_xml

pytestmark = pytest.mark.django_db


def _url(field, path: str) -> str:
    return f"/openrosa/{field.world.county.slug}/{path}"


def _post(client, field, xml: bytes, *media: tuple[str, bytes], user=None):
    data = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")}
    for name, content in media:
        data[name] = SimpleUploadedFile(name, content, "image/jpeg")
    return client.post(_url(field, "submission"), data, **basic(user or field.enumerator))


def test_the_form_list_offers_the_collecting_form_to_enumerators(client, field):
    response = client.get(_url(field, "formList"), **basic(field.enumerator))
    assert response.status_code == 200
    assert response["X-OpenRosa-Version"] == "1.0"
    body = response.content.decode()
    assert 'xmlns="http://openrosa.org/xforms/xformsList"' in body
    assert "<formID>hh_test</formID>" in body and "<version>2022010101</version>" in body
    url = f"http://testserver/openrosa/{field.world.county.slug}/forms/hh_test/2022010101/form.xml"
    assert f"<downloadUrl>{url}</downloadUrl>" in body
    form = client.get(url, **basic(field.enumerator))
    assert form.status_code == 200 and form.content.decode() == field.questionnaire.xform_xml


def test_no_or_wrong_credentials_are_challenged(client, field):
    response = client.get(_url(field, "formList"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Basic realm="countyhub')
    bad = {"HTTP_AUTHORIZATION": "Basic ZW51bWVyYXRvci11c2VyOndyb25n"}  # enumerator-user:wrong
    assert client.get(_url(field, "formList"), **bad).status_code == 401


def test_other_roles_and_other_counties_enumerators_are_refused(client, field):
    assert (
        client.get(_url(field, "formList"), **basic(field.world.users["buyer"])).status_code == 403
    )
    outsider = UserFactory(username="enumerator-elsewhere")
    MembershipFactory(user=outsider, role="enumerator")  # of another county
    assert client.get(_url(field, "formList"), **basic(outsider)).status_code == 403
    response = _post(client, field, instance_xml("uuid:x"), user=outsider)
    assert response.status_code == 403 and not Submission.objects.exists()


def test_head_is_204_with_the_openrosa_headers(client, field):
    response = client.head(_url(field, "submission"), **basic(field.enumerator))
    assert response.status_code == 204
    assert response["X-OpenRosa-Version"] == "1.0"
    assert int(response["X-OpenRosa-Accept-Content-Length"]) > 0


def test_a_submission_is_201_and_linked_to_its_household(client, field):
    xml = instance_xml("uuid:1", household=str(field.household.pk))
    response = _post(client, field, xml)
    assert response.status_code == 201, response.content
    assert 'nature="submit_success"' in response.content.decode()
    answer = Submission.objects.get()
    assert answer.xml.encode() == xml and answer.wave == field.wave
    assert answer.household == field.household and answer.enumerator == field.enumerator
    assert answer.answers["ec"]["ec1"] == "4" and answer.questionnaire == field.questionnaire
    assert AuditEntry.objects.filter(
        action="submission.received", object_id=str(answer.pk)
    ).exists()


def test_an_unregistered_household_is_kept_unlinked(client, field):
    assert _post(client, field, instance_xml("uuid:2", household="99999")).status_code == 201
    answer = Submission.objects.get()
    assert answer.household is None and answer.household_ref == "99999"


def test_the_same_submission_again_succeeds_and_makes_one_answer(client, field):
    xml = instance_xml("uuid:3")
    assert _post(client, field, xml).status_code == 201
    again = _post(client, field, xml)
    assert again.status_code == 201 and "received already" in again.content.decode()
    assert Submission.objects.count() == 1


def test_the_same_id_with_other_xml_is_409(client, field):
    assert _post(client, field, instance_xml("uuid:4")).status_code == 201
    response = _post(client, field, instance_xml("uuid:4", income="1"))
    assert response.status_code == 409
    assert "uuid:4" in response.content.decode()
    assert Submission.objects.get().answers["income"] == "32000"


def test_a_split_post_makes_one_answer_with_two_attachments(client, field):
    xml = instance_xml("uuid:5", photos=("p1.jpg", "p2.jpg"))
    assert _post(client, field, xml, ("p1.jpg", b"\xff\xd8one")).status_code == 201
    assert _post(client, field, xml, ("p2.jpg", b"\xff\xd8two")).status_code == 201
    answer = Submission.objects.get()
    attachments = {a.name: a.file.read() for a in answer.attachments.all()}
    assert attachments == {"p1.jpg": b"\xff\xd8one", "p2.jpg": b"\xff\xd8two"}


def test_media_the_xml_does_not_name_are_ignored(client, field):
    xml = instance_xml("uuid:6", photos=("p1.jpg", ""))
    assert _post(client, field, xml, ("other.jpg", b"x")).status_code == 201
    assert not Submission.objects.get().attachments.exists()


def test_an_edit_supersedes_and_keeps_the_history(client, field):
    token = issue_api_token(user=field.world.users["analyst"])
    assert _post(client, field, instance_xml("uuid:7")).status_code == 201
    edit = instance_xml("uuid:7b", income="35000", deprecated="uuid:7")
    assert _post(client, field, edit).status_code == 201
    old, new = Submission.objects.order_by("pk")
    assert old.superseded_by == new and new.deprecated_id == "uuid:7" and new.wave == old.wave
    listed = client.get(
        "/api/surveys/forms/hh_test/submissions", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert listed["count"] == 1
    assert [item["instance_id"] for item in listed["items"]] == ["uuid:7b"]
    assert listed["items"][0]["answers"]["income"] == "35000"
    # An edit of an answer edited already is refused: edit the latest.
    again = instance_xml("uuid:7c", income="1", deprecated="uuid:7")
    assert _post(client, field, again).status_code == 409
    unknown = instance_xml("uuid:8b", deprecated="uuid:nothing")
    assert _post(client, field, unknown).status_code == 409


def test_bad_posts_are_400(client, field):
    assert _post(client, field, b"<not xml").status_code == 400
    no_id = b'<data id="hh_test" version="2022010101"><meta/></data>'
    assert _post(client, field, no_id).status_code == 400
    unknown = instance_xml("uuid:9", form_id="nope")
    assert _post(client, field, unknown).status_code == 404
    response = client.post(_url(field, "submission"), {}, **basic(field.enumerator))
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_the_api_is_for_analysts_and_administrators_of_the_county(client, field):
    assert (
        _post(client, field, instance_xml("uuid:10", household=str(field.household.pk))).status_code
        == 201
    )
    url = "/api/surveys/forms/hh_test/submissions"
    for role, status in [
        ("analyst", 200),
        ("county_admin", 200),
        ("enumerator", 403),
        ("seller_staff", 403),
        ("other_county_admin", 403),
    ]:
        token = issue_api_token(user=field.world.users[role])
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == status, role
    token = issue_api_token(user=field.world.users["analyst"])
    item = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").json()["items"][0]
    assert item["household_id"] == field.household.pk and item["version"] == "2022010101"
    missing = client.get(
        "/api/surveys/forms/nope/submissions", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert missing.status_code == 404


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_submission_from_8_threads_makes_one_answer(field):
    xml = instance_xml("uuid:race", photos=("p1.jpg", ""))
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def post() -> None:
        try:
            barrier.wait()
            statuses.append(_post(Client(), field, xml, ("p1.jpg", b"\xff\xd8")).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 8
    answer = Submission.objects.get(instance_id="uuid:race")
    assert answer.attachments.count() == 1
    assert AuditEntry.objects.filter(action="submission.received").count() == 1


def test_an_unlinked_answer_is_linked_later(client, field):
    assert _post(client, field, instance_xml("uuid:11", household="4711")).status_code == 201
    answer = Submission.objects.get()
    link_household(
        actor=field.world.users["county_admin"], submission=answer, household=field.household
    )
    answer.refresh_from_db()
    assert answer.household == field.household and answer.household_ref == "4711"
    assert AuditEntry.objects.filter(action="submission.household_linked").exists()


class CountingHasher(MD5PasswordHasher):
    """The suite's hasher, counting the passwords it checks."""

    checked = 0

    def verify(self, password: str, encoded: str) -> bool:
        CountingHasher.checked += 1
        return super().verify(password, encoded)


def test_a_verified_password_is_not_hashed_again_until_it_changes(client, field, settings):
    """Collect sends the password with every post; hashing it each time (PBKDF2, ~0.3 s of CPU)
    held the bench's 16 clients to 1.4 posts a second."""
    settings.PASSWORD_HASHERS = ["tests.surveys.test_openrosa.CountingHasher"]
    CountingHasher.checked = 0
    for _ in range(3):
        assert client.get(_url(field, "formList"), **basic(field.enumerator)).status_code == 200
    assert CountingHasher.checked == 1
    # A changed password: the old one is refused at once, the new one hashed once.
    field.enumerator.set_password("a-new-pass-word-2026")
    field.enumerator.save()
    assert client.get(_url(field, "formList"), **basic(field.enumerator)).status_code == 401
    token = base64.b64encode(f"{field.enumerator.username}:a-new-pass-word-2026".encode())
    fresh = {"HTTP_AUTHORIZATION": f"Basic {token.decode()}"}
    assert client.get(_url(field, "formList"), **fresh).status_code == 200
    # A deactivated account is refused though its password was verified a moment ago.
    field.enumerator.is_active = False
    field.enumerator.save()
    assert client.get(_url(field, "formList"), **fresh).status_code == 401
