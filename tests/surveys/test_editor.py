"""The questionnaire editor's services: a questionnaire built in the web is the questionnaire an
XLSForm import makes (it is published through that import), every refusal names its field,
questions are reordered and deleted, and a version with answers is never changed: publishing
makes a new one."""

from __future__ import annotations

import dataclasses

import pytest

from countyhub.core.models import AuditEntry
from countyhub.demo.surveys import study_definition
from countyhub.surveys import editor, services
from countyhub.surveys.editor import EditedQuestion, EditorError
from countyhub.surveys.errors import SurveyError, XLSFormError
from countyhub.surveys.models import Questionnaire
from countyhub.surveys.xlsform import ParsedQuestion, export_xlsx, parse_xlsform
from tests.surveys.conftest import instance_xml

pytestmark = pytest.mark.django_db

LIKERT = [*editor.DEFAULT_LIKERT, ("-99", "不知道", "Don't know")]


def _likert(name: str, **values) -> EditedQuestion:
    fields = {
        "name": name,
        "kind": "likert",
        "label_zh": f"{name} 题",
        "label_en": f"Item {name}",
        "construct": "EC",
        "scale_min": 1,
        "scale_max": 5,
        "choices": LIKERT,
        "missing": "-99",
        "section": "ec",
    }
    return EditedQuestion(**(fields | values))


def _build(world):
    admin = world.users["analyst"]
    draft = services.create_draft(
        actor=admin, county=world.county, form_id="web_form", title="网上问卷", title_en="Web"
    )
    services.save_question(
        actor=admin,
        draft=draft,
        question=EditedQuestion(
            name="household",
            kind="integer",
            label_zh="户编号",
            label_en="Household id",
            household=True,
        ),
    )
    services.add_section(actor=admin, draft=draft, name="ec", label_zh="电商", label_en="E-com")
    for name, reverse in (("ec1", False), ("ec2", False), ("ec3", True)):
        services.save_question(actor=admin, draft=draft, question=_likert(name, reverse=reverse))
    services.save_question(
        actor=admin,
        draft=draft,
        question=EditedQuestion(
            name="income",
            kind="money",
            label_zh="收入（元）",
            label_en="Income (yuan)",
            money_year=2025,
            missing="-99",
            required=False,
        ),
    )
    services.save_question(
        actor=admin,
        draft=draft,
        question=EditedQuestion(
            name="channel",
            kind="single",
            label_zh="渠道",
            label_en="Channel",
            choices=[("taobao", "淘宝", "Taobao"), ("pdd", "拼多多", "Pinduoduo")],
        ),
    )
    for name, kind in (("plots", "integer"), ("area", "decimal"), ("note", "text")):
        services.save_question(
            actor=admin,
            draft=draft,
            question=EditedQuestion(name=name, kind=kind, label_zh=name, required=False),
        )
    draft.refresh_from_db()
    return draft


QUESTION_FIELDS = [field.name for field in dataclasses.fields(ParsedQuestion)]


def _questions(questionnaire: Questionnaire) -> list[dict]:
    return [
        {key: getattr(q, key) for key in QUESTION_FIELDS}
        for q in questionnaire.questions.order_by("position")
    ]


def test_a_questionnaire_built_in_the_editor_is_an_imported_one(world):
    draft = _build(world)
    questionnaire = services.publish_draft(actor=world.users["analyst"], draft=draft)
    assert (questionnaire.form_id, questionnaire.title) == ("web_form", "网上问卷")
    assert questionnaire.county == world.county and questionnaire.source_name.endswith(".xlsx")
    assert '<data id="web_form"' in questionnaire.xform_xml
    by_name = {q.name: q for q in questionnaire.questions.all()}
    assert list(by_name) == [
        "household",
        "ec1",
        "ec2",
        "ec3",
        "income",
        "channel",
        "plots",
        "area",
        "note",
    ]
    ec3 = by_name["ec3"]
    assert (ec3.construct, ec3.reverse, ec3.scale_min, ec3.scale_max) == ("EC", True, 1, 5)
    assert ec3.section == "ec" and ec3.path == "/data/ec/ec3" and ec3.missing_codes == ["-99"]
    assert ec3.choices[0] == {
        "name": "1",
        "label_zh": "非常不同意",
        "label_en": "Strongly disagree",
    }
    assert by_name["income"].money_year == 2025 and by_name["income"].type == "decimal"
    assert by_name["household"].household and not by_name["ec1"].household
    assert [c["name"] for c in by_name["channel"].choices] == ["taobao", "pdd"]
    assert 'required="true()"' in questionnaire.xform_xml
    assert AuditEntry.objects.filter(action="questionnaire_draft.published").count() == 1
    assert AuditEntry.objects.filter(action="questionnaire.imported").count() == 1


def test_golden_import_of_the_export_is_the_questionnaire(world):
    """import(export(Q)) == Q, for a questionnaire built in the editor and for the demo's."""
    built = services.publish_draft(actor=world.users["analyst"], draft=_build(world))
    demo = services.import_questionnaire(
        actor=None,
        county=world.county,
        content=export_xlsx(study_definition("2020010101", 2020)),
        filename="demo.xlsx",
    )
    for questionnaire in (built, demo):
        again = parse_xlsform(export_xlsx(questionnaire.definition), "again.xlsx")
        assert again.definition == questionnaire.definition
        assert again.xform_xml == questionnaire.xform_xml
        assert [vars(q) for q in again.questions] == _questions(questionnaire)


def test_the_demo_questionnaire_read_into_the_editor_and_saved_unchanged_means_the_same(world):
    """Every question of the demo's form opened in the editor's form and saved as it is: the
    published version's questions are the same (each Likert item keeps its scale and labels,
    now in a list of its own)."""
    demo = services.import_questionnaire(
        actor=None,
        county=world.county,
        content=export_xlsx(study_definition("2020010101", 2020)),
        filename="demo.xlsx",
    )
    draft = services.draft_of(actor=world.users["county_admin"], questionnaire=demo)
    for entry in editor.outline(draft.definition):
        if entry.get("kind"):
            question = editor.question_of(draft.definition, entry["name"])
            draft = services.save_question(
                actor=None, draft=draft, question=question, original=question.name
            )
    published = services.publish_draft(actor=None, draft=draft)
    assert published.version != demo.version
    drop = {"list_name"}
    before = [{k: v for k, v in q.items() if k not in drop} for q in _questions(demo)]
    after = [{k: v for k, v in q.items() if k not in drop} for q in _questions(published)]
    assert after == before


def _problems(call) -> dict[str, str]:
    with pytest.raises(EditorError) as caught:
        call()
    return caught.value.problems


def test_every_refusal_names_its_field(world):
    draft = _build(world)
    save = lambda question, original=None: services.save_question(  # noqa: E731
        actor=None, draft=draft, question=question, original=original
    )
    assert "not a valid XML name" in _problems(lambda: save(_likert("1abc")))["name"]
    assert "not a valid XML name" in _problems(lambda: save(_likert("has space")))["name"]
    assert "another question" in _problems(lambda: save(_likert("ec1")))["name"]
    problems = _problems(lambda: save(_likert("ec4", scale_min=5, scale_max=5)))
    assert problems == {"scale_min": "the scale minimum (5) must be below its maximum (5)"}
    problems = _problems(lambda: save(_likert("ec4", choices=LIKERT[1:])))
    assert problems == {"choices": "the scale point 1 has no label"}
    problems = _problems(lambda: save(_likert("ec4", construct="E C", section="nowhere")))
    assert set(problems) == {"construct", "section"}
    text = EditedQuestion(name="t2", kind="text", label_zh="", reverse=True, household=True)
    assert set(_problems(lambda: save(text))) == {"label_zh", "reverse", "household"}
    money = EditedQuestion(name="m2", kind="money", label_zh="钱", money_year=1800)
    assert _problems(lambda: save(money)) == {"money_year": "the price year 1800 is not a year"}
    with pytest.raises(EditorError) as caught:
        editor.parse_choice_lines("1 | 一\n2", "choices")
    assert caught.value.problems == {
        "choices": "line 2: write code | Chinese label | English label"
    }
    assert (
        "not a valid XML name"
        in _problems(
            lambda: services.create_draft(actor=None, county=world.county, form_id="9x", title="t")
        )["form_id"]
    )
    assert (
        "exists already"
        in _problems(
            lambda: services.create_draft(
                actor=None, county=world.county, form_id="web_form", title="t"
            )
        )["form_id"]
    )
    assert caught.value.message.startswith("choices: ")


def test_questions_are_reordered_edited_and_deleted(world):
    draft = _build(world)

    def names(draft):
        return [e["name"] for e in editor.outline(draft.definition) if e["role"] == "question"]

    draft = services.move_question(actor=None, draft=draft, name="ec3", step=-1)
    assert names(draft)[1:4] == ["ec1", "ec3", "ec2"]
    assert (
        "first in its section"
        in _problems(lambda: services.move_question(actor=None, draft=draft, name="ec1", step=-1))[
            "name"
        ]
    )
    renamed = _likert("ec9", label_zh="改过的题")
    draft = services.save_question(actor=None, draft=draft, question=renamed, original="ec3")
    assert names(draft)[1:4] == ["ec1", "ec9", "ec2"]  # in place
    assert editor.question_of(draft.definition, "ec9").label_zh == "改过的题"
    draft = services.delete_question(actor=None, draft=draft, name="channel")
    assert "channel" not in names(draft)
    lists = {row["list_name"] for row in draft.definition["choices"]["rows"]}
    assert "channel" not in lists and "ec3" not in lists and "ec9" in lists
    assert (
        "still has questions"
        in _problems(lambda: services.delete_question(actor=None, draft=draft, name="ec"))["name"]
    )
    assert AuditEntry.objects.filter(action="questionnaire_draft.changed").count() >= 12


def test_publishing_never_changes_a_version_with_answers(field):
    """The test form has an answer: its edit is published as a new version, the old version
    and its answer stay as they were."""
    old = field.questionnaire
    services.receive_submission(
        county=field.world.county, enumerator=field.enumerator, xml=instance_xml("uuid:kept")
    )
    frozen = (old.definition, old.xform_xml, old.source_sha256, old.version)
    draft = services.draft_of(actor=field.world.users["county_admin"], questionnaire=old)
    assert draft.based_on == old
    changed = editor.question_of(draft.definition, "ec1")
    changed.label_zh = "我在网上卖农产品"
    draft = services.save_question(actor=None, draft=draft, question=changed, original="ec1")
    newer = services.publish_draft(actor=None, draft=draft)
    assert newer.pk != old.pk and newer.form_id == old.form_id and newer.version != old.version
    assert newer.questions.get(name="ec1").label_zh == "我在网上卖农产品"
    old.refresh_from_db()
    assert (old.definition, old.xform_xml, old.source_sha256, old.version) == frozen
    assert old.submissions.count() == 1 and newer.submissions.count() == 0
    assert old.questions.get(name="ec1").label_zh == "我通过网络销售农产品"
    # Published again: another version still; the draft follows the newest.
    again = services.publish_draft(actor=None, draft=draft)
    draft.refresh_from_db()
    assert again.version not in {old.version, newer.version} and draft.based_on == again


def test_a_draft_of_numbers_only_is_published(world):
    draft = services.create_draft(actor=None, county=world.county, form_id="plain", title="简")
    question = EditedQuestion(name="plots", kind="integer", label_zh="地块数")
    draft = services.save_question(actor=None, draft=draft, question=question)
    published = services.publish_draft(actor=None, draft=draft)
    assert list(published.questions.values_list("name", "type")) == [("plots", "integer")]


def test_an_empty_draft_and_a_pyxform_refusal_are_not_published(world):
    draft = services.create_draft(actor=None, county=world.county, form_id="empty", title="空")
    with pytest.raises(SurveyError, match="Add a question"):
        services.publish_draft(actor=None, draft=draft)
    assert not Questionnaire.objects.filter(form_id="empty").exists()
    # A row the editor keeps but does not edit (as an imported form may have): pyxform's
    # refusal names its row, and nothing is published.
    draft.definition["survey"]["rows"].append(
        {"type": "select_one gone", "name": "kept", "label::Chinese (zh)": "旧题"}
    )
    draft.save()
    with pytest.raises(XLSFormError) as caught:
        services.publish_draft(actor=None, draft=draft)
    assert caught.value.problems[0]["sheet"] == "survey" and "choices" in caught.value.message
    assert not Questionnaire.objects.filter(form_id="empty").exists()
