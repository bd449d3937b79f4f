"""The household income question: marked in the XLSForm (countyhub::income) or in the editor,
checked (a number, with its year, only one), and read as households' surveyed incomes by year."""

from __future__ import annotations

from decimal import Decimal

import pytest

from countyhub.surveys import editor, services
from countyhub.surveys.editor import EditedQuestion, EditorError
from countyhub.surveys.errors import XLSFormError
from countyhub.surveys.selectors import surveyed_incomes
from tests.surveys.conftest import instance_xml

pytestmark = pytest.mark.django_db


FORM = """| survey |
| | type | name | label::Chinese (zh) | label::English (en) | countyhub::missing | countyhub::money | countyhub::household | countyhub::income |
| | integer | household | 户编号 | Household id | | | yes | |
| | decimal | income | 家庭年收入（元） | Family income (yuan) | -99 | 2022 | | yes |
| | image | photo1 | 照片1 | Photo 1 | | | | |
| settings |
| | form_id | form_title | version | default_language |
| | inc_test | 收入调查 | 2022010101 | Chinese (zh) |
"""


def _form(replace: str = "", by: str = "") -> bytes:
    return FORM.replace(replace, by).encode()


def _answer(instance_id: str, household: str, income: str, deprecated: str = "") -> bytes:
    edit = f"<deprecatedID>{deprecated}</deprecatedID>" if deprecated else ""
    return (
        '<?xml version="1.0"?><data id="inc_test" version="2022010101">'
        f"<household>{household}</household><income>{income}</income><photo1/>"
        f"<meta><instanceID>{instance_id}</instanceID>{edit}</meta></data>"
    ).encode()


def _import(world, content):
    return services.import_questionnaire(
        actor=None, county=world.county, content=content, filename="form.md"
    )


def test_the_income_question_is_marked(world):
    questionnaire = _import(world, _form())
    marked = questionnaire.questions.filter(household_income=True)
    assert [(q.name, q.money_year) for q in marked] == [("income", 2022)]


def test_an_income_question_without_year_or_number_is_named(world):
    with pytest.raises(XLSFormError) as caught:
        _import(world, _form("| -99 | 2022 | | yes |", "| -99 | | | yes |"))
    assert [(p["row"], p["message"]) for p in caught.value.problems] == [
        (3, "the household income needs its year in countyhub::money")
    ]
    with pytest.raises(XLSFormError) as caught:
        _import(world, _form("| Photo 1 | | | | |", "| Photo 1 | | 2022 | | yes |"))
    assert [(p["row"], p["message"]) for p in caught.value.problems] == [
        (4, "the household income is a number (integer or decimal)"),
        (4, "only one question asks the household income"),
    ]


def test_surveyed_incomes_by_household_and_year(field):
    county = field.world.county
    _import(field.world, _form())
    services.assign_villages(actor=None, user=field.enumerator, villages=[field.household.village])
    ours = str(field.household.pk)
    for xml in (
        _answer("uuid:a1", ours, "30000"),
        _answer("uuid:a2", ours, "32000.5", deprecated="uuid:a1"),  # an edit: the answer now
        _answer("uuid:a3", "90001", "15000"),  # nobody registered with that id
        _answer("uuid:a4", ours, "-99"),  # refused: a missing code, not an income
    ):
        services.receive_submission(county=county, enumerator=field.enumerator, xml=xml)
    found = surveyed_incomes(county)
    assert found.amounts == {(field.household.pk, 2022): Decimal("32000.50")}
    assert (found.years, found.unlinked) == ({2022}, 1)
    # The test form without an income question adds nothing, though it asks "income".
    services.receive_submission(
        county=county, enumerator=field.enumerator,
        xml=instance_xml("uuid:b1", household=ours, income="50000"),
    )  # fmt: skip
    assert surveyed_incomes(county).amounts == found.amounts


def test_the_editor_marks_the_income_question_and_refuses_a_second(world):
    admin = world.users["analyst"]
    draft = services.create_draft(actor=admin, county=world.county, form_id="inc", title="收入")
    household = EditedQuestion(name="hh", kind="integer", label_zh="户", household=True)
    services.save_question(actor=admin, draft=draft, question=household)
    income = EditedQuestion(
        name="income", kind="money", label_zh="2025年家庭总收入（元）", money_year=2025,
        household_income=True,
    )  # fmt: skip
    services.save_question(actor=admin, draft=draft, question=income)
    draft.refresh_from_db()
    assert editor.question_of(draft.definition, "income").household_income is True
    assert [e["income"] for e in editor.outline(draft.definition)] == [False, True]
    again = EditedQuestion(
        name="income2", kind="money", label_zh="收入", money_year=2025, household_income=True
    )
    with pytest.raises(EditorError) as caught:
        services.save_question(actor=admin, draft=draft, question=again)
    assert caught.value.problems == {
        "household_income": "the question income asks the household income already"
    }
    text = EditedQuestion(name="t", kind="text", label_zh="t", household_income=True)
    with pytest.raises(EditorError) as caught:
        services.save_question(actor=admin, draft=draft, question=text)
    assert caught.value.problems == {
        "household_income": "the household income is an amount of money"
    }
    published = services.publish_draft(actor=admin, draft=draft)
    marked = published.questions.get(household_income=True)
    assert (marked.name, marked.money_year, marked.type) == ("income", 2025, "decimal")
