"""The questionnaire editor's pages: the county's survey staff (administrators and analysts)
build, edit and publish a questionnaire and download its XLSForm; sellers, enumerators and
another county's staff are refused; every write is a CSRF-protected POST."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from countyhub.surveys import services
from countyhub.surveys.models import Questionnaire, QuestionnaireDraft
from countyhub.surveys.xlsform import parse_xlsform
from tests.surveys.conftest import form_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


LIKERT_LINES = "1 | 不同意 | Disagree\n2 | 一般 | Neutral\n3 | 同意 | Agree"


def _url(world, path: str = "") -> str:
    return f"/c/{world.county.slug}/surveys/{path}"


def _question(**values) -> dict[str, str]:
    return {
        "kind": "likert",
        "name": "ec1",
        "label_zh": "我在网上卖农产品",
        "label_en": "I sell online",
        "required": "on",
        "section": "",
        "construct": "EC",
        "scale_min": "1",
        "scale_max": "3",
        "choices": LIKERT_LINES,
        "missing": "",
        "money_year": "",
    } | values


def test_an_analyst_builds_and_publishes_a_questionnaire(client, world):
    client.force_login(world.users["analyst"])
    assert client.get(_url(world, "questionnaires/")).status_code == 200
    response = client.post(
        _url(world, "questionnaires/new"),
        {"form_id": "web_form", "title": "网上问卷", "title_en": "Web form"},
    )
    draft = QuestionnaireDraft.objects.get(form_id="web_form")
    page = _url(world, f"drafts/{draft.pk}/")
    assert response.status_code == 302 and response["Location"] == page
    response = client.post(
        page + "section", {"name": "ec", "label_zh": "电商", "label_en": "E-commerce"}
    )
    assert response.status_code == 302
    form = client.get(page + "question?section=ec")
    assert form.status_code == 200 and "非常不同意" in form.content.decode()  # 5 points offered
    assert client.post(page + "question", _question(section="ec")).status_code == 302
    assert client.post(page + "question", _question(name="ec2", section="ec")).status_code == 302
    body = client.get(page).content.decode()
    assert "ec1" in body and "ec2" in body and 'id="publish"' in body
    # Edited by name: the label changes, the place stays.
    edit = client.get(page + "question?name=ec1")
    assert edit.status_code == 200 and "我在网上卖农产品" in edit.content.decode()
    changed = _question(label_zh="我家在网上卖", section="ec") | {"original": "ec1"}
    assert client.post(page + "question", changed).status_code == 302
    assert client.post(page + "move", {"name": "ec2", "step": "up"}).status_code == 302
    assert client.post(page + "delete", {"name": "ec1"}).status_code == 302
    titles = {"title": "网上问卷（二）", "title_en": "Web form II"}
    assert client.post(page + "title", titles).status_code == 302
    refused = client.post(page + "title", {"title": " "})
    assert refused.status_code == 400 and "title" in refused.context["title_form"].errors
    response = client.post(page + "publish")
    assert response.status_code == 302 and response["Location"] == _url(world, "questionnaires/")
    questionnaire = Questionnaire.objects.get(form_id="web_form")
    ec2 = questionnaire.questions.get()
    assert (ec2.name, ec2.construct, ec2.scale_min, ec2.scale_max) == ("ec2", "EC", 1, 3)
    assert questionnaire.title == "网上问卷（二）"
    assert QuestionnaireDraft.objects.get(form_id="web_form").title_en == "Web form II"
    listing = client.get(_url(world, "questionnaires/")).content.decode()
    assert questionnaire.version in listing
    download = client.get(_url(world, f"questionnaires/{questionnaire.pk}/form.xlsx"))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    again = parse_xlsform(download.content, "download.xlsx")
    assert again.definition == questionnaire.definition
    draft_download = client.get(page + "form.xlsx")
    assert load_workbook(io.BytesIO(draft_download.content)).sheetnames == [
        "survey",
        "choices",
        "settings",
    ]


def test_bad_input_is_shown_on_the_field_it_names(client, world):
    client.force_login(world.users["county_admin"])
    response = client.post(_url(world, "questionnaires/new"), {"form_id": "1 x", "title": "问卷"})
    assert response.status_code == 400
    assert "is not a valid XML name" in response.context["form"].errors["form_id"][0]
    draft = services.create_draft(actor=None, county=world.county, form_id="f", title="问卷")
    page = _url(world, f"drafts/{draft.pk}/")
    response = client.post(page + "question", _question(name="1abc", scale_min="3"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "not a valid XML name" in errors["name"][0]
    assert errors["scale_min"] == ["the scale minimum (3) must be below its maximum (3)"]
    response = client.post(page + "question", _question(choices="1 | 一\n2"))
    assert response.context["form"].errors["choices"] == [
        "line 2: write code | Chinese label | English label"
    ]
    response = client.post(page + "section", {"name": "a b", "label_zh": "节"})
    assert response.status_code == 400
    assert "not a valid XML name" in response.context["section_form"].errors["name"][0]
    response = client.post(page + "publish")
    assert response.status_code == 400 and "Add a question" in response.content.decode()


def test_a_published_version_with_answers_is_edited_into_a_new_version(client, field):
    client.force_login(field.world.users["analyst"])
    old = field.questionnaire
    response = client.post(_url(field.world, f"questionnaires/{old.pk}/edit"))
    draft = QuestionnaireDraft.objects.get(form_id=old.form_id)
    assert response["Location"] == _url(field.world, f"drafts/{draft.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert "photo1" in page and "image" in page  # kept, not edited
    client.post(_url(field.world, f"drafts/{draft.pk}/publish"))
    assert Questionnaire.objects.filter(form_id=old.form_id).count() == 2
    old.refresh_from_db()
    assert bytes(old.source) == form_bytes()
    # The old version's Edit opens the form's one draft, now based on the newest version.
    again = client.post(_url(field.world, f"questionnaires/{old.pk}/edit"), follow=True)
    assert "has one draft" in again.content.decode()
    assert QuestionnaireDraft.objects.filter(form_id=old.form_id).count() == 1
    # The .md fixture downloads as a workbook made of its sheets.
    download = client.get(_url(field.world, f"questionnaires/{old.pk}/form.xlsx"))
    assert parse_xlsform(download.content, "d.xlsx").definition == old.definition


def test_sellers_enumerators_and_other_counties_are_refused(client, world):
    draft = services.create_draft(actor=None, county=world.county, form_id="f", title="问卷")
    questionnaire = services.import_questionnaire(
        actor=None, county=world.county, content=form_bytes(), filename="household.md"
    )
    paths = [
        ("get", "questionnaires/"),
        ("post", "questionnaires/new"),
        ("get", f"questionnaires/{questionnaire.pk}/form.xlsx"),
        ("post", f"questionnaires/{questionnaire.pk}/edit"),
        ("get", f"drafts/{draft.pk}/"),
        ("get", f"drafts/{draft.pk}/form.xlsx"),
        ("get", f"drafts/{draft.pk}/question"),
        ("post", f"drafts/{draft.pk}/question"),
        ("post", f"drafts/{draft.pk}/section"),
        ("post", f"drafts/{draft.pk}/title"),
        ("post", f"drafts/{draft.pk}/move"),
        ("post", f"drafts/{draft.pk}/delete"),
        ("post", f"drafts/{draft.pk}/publish"),
    ]
    for role in ("seller_staff", "buyer", "enumerator", "other_county_admin"):
        client.force_login(world.users[role])
        for method, path in paths:
            response = getattr(client, method)(_url(world, path), _question())
            assert response.status_code == 403, (role, path)
    client.logout()
    assert client.get(_url(world, "questionnaires/")).status_code == 302  # to the login
    # Another county's administrator, in their own county, does not find this county's draft.
    other = world.users["other_county_admin"]
    other_county = other.memberships.get().county
    client.force_login(other)
    assert client.get(f"/c/{other_county.slug}/surveys/drafts/{draft.pk}/").status_code == 404
    response = client.post(
        f"/c/{other_county.slug}/surveys/drafts/{draft.pk}/question", _question()
    )
    assert response.status_code == 404
    assert (
        client.post(
            f"/c/{other_county.slug}/surveys/questionnaires/{questionnaire.pk}/edit"
        ).status_code
        == 404
    )
    draft.refresh_from_db()
    assert draft.definition["survey"]["rows"] == []


def test_writes_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.users["analyst"])
    draft = services.create_draft(actor=None, county=world.county, form_id="f", title="问卷")
    page = _url(world, f"drafts/{draft.pk}/")
    for path in ("question", "section", "title", "move", "delete", "publish"):
        assert client.post(page + path, _question()).status_code == 403, path
    assert client.post(_url(world, "questionnaires/new"), {"form_id": "g"}).status_code == 403
    assert not QuestionnaireDraft.objects.filter(form_id="g").exists()
    # With the page's token the same post goes through.
    client.get(page + "question")
    token = client.cookies["csrftoken"].value
    response = client.post(page + "question", _question() | {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
