"""XLSForm import: pyxform's XForm, countyhub's own columns, errors by sheet, row and column,
versions that never change, and the round trip through an exported workbook."""

from __future__ import annotations

import hashlib

import pytest

from countyhub.surveys import services
from countyhub.surveys.errors import SurveyError, XLSFormError
from countyhub.surveys.selectors import questionnaire_constructs
from countyhub.surveys.services import receive_submission
from countyhub.surveys.xlsform import export_xlsx, parse_xlsform
from tests.surveys.conftest import form_bytes, instance_xml

pytestmark = pytest.mark.django_db


def _edit(replace: str, by: str) -> bytes:
    return form_bytes().decode().replace(replace, by).encode()


def test_an_xlsform_becomes_a_questionnaire_with_its_columns(field):
    q = field.questionnaire
    assert (q.form_id, q.version, q.title) == ("hh_test", "2022010101", "农户调查")
    assert q.source_sha256 == hashlib.sha256(form_bytes()).hexdigest()
    assert bytes(q.source) == form_bytes()
    assert '<data id="hh_test" version="2022010101">' in q.xform_xml
    assert 'jr:preload="uid"' in q.xform_xml
    assert q.definition["survey"]["rows"][2]["name"] == "household"
    by_name = {question.name: question for question in q.questions.all()}
    assert set(by_name) == {
        "start",
        "end",
        "household",
        "ec1",
        "ec2",
        "ec3",
        "income",
        "photo1",
        "photo2",
    }
    ec3 = by_name["ec3"]
    assert (ec3.construct, ec3.reverse, ec3.scale_min, ec3.scale_max) == ("EC", True, 1, 5)
    assert ec3.missing_codes == ["-99"] and ec3.section == "ec" and ec3.path == "/data/ec/ec3"
    assert (ec3.label_zh, ec3.label_en) == ("我不想在网上卖东西", "I do not want to sell online")
    assert [c["name"] for c in ec3.choices] == ["1", "2", "3", "4", "5", "-99"]
    assert by_name["income"].money_year == 2022
    assert by_name["household"].household and not by_name["ec1"].household
    assert questionnaire_constructs(q) == {"EC": ["ec1", "ec2", "ec3"]}


def test_pyxform_warnings_are_kept_for_the_author(field):
    warnings = field.questionnaire.warnings
    assert any(w.startswith("[row : 11]") and "max-pixels" in w for w in warnings), warnings


def test_a_bad_countyhub_column_is_named_by_sheet_row_and_column(world):
    content = _edit("| EC | yes | -99 |", "| EC | maybe | -99 |")
    with pytest.raises(XLSFormError) as caught:
        services.import_questionnaire(
            actor=None, county=world.county, content=content, filename="form.md"
        )
    assert caught.value.problems == [
        {
            "sheet": "survey",
            "row": 8,
            "column": "countyhub::reverse (F)",
            "message": "write yes or no, not maybe",
        }
    ]
    assert "sheet survey, row 8, column countyhub::reverse (F)" in caught.value.message


def test_pyxform_errors_name_the_row(world):
    content = _edit("| select_one likert | ec2 |", "| select_one likert | ec1 |")
    with pytest.raises(XLSFormError) as caught:
        services.import_questionnaire(
            actor=None, county=world.county, content=content, filename="form.md"
        )
    problem = caught.value.problems[0]
    assert (problem["sheet"], problem["row"], problem["column"]) == ("survey", 7, "name")
    assert "ec1" in problem["message"]


def test_a_second_household_question_and_a_bad_year_are_both_named(world):
    content = _edit("| 2022 | |", "| 1850 | yes |")
    with pytest.raises(XLSFormError) as caught:
        parse_xlsform_via_service(world, content)
    places = {(p["row"], p["column"]) for p in caught.value.problems}
    assert places == {(10, "countyhub::money (H)"), (10, "countyhub::household (I)")}


def parse_xlsform_via_service(world, content, filename="form.md"):
    return services.import_questionnaire(
        actor=None, county=world.county, content=content, filename=filename
    )


def test_a_version_never_changes(field):
    again = parse_xlsform_via_service(field.world, form_bytes())
    assert again.pk == field.questionnaire.pk  # the same file is the same version
    with pytest.raises(SurveyError) as caught:
        parse_xlsform_via_service(field.world, _edit("农户调查 |", "农户调查（新） |"))
    assert caught.value.code.value == "version_exists"
    newer = parse_xlsform_via_service(field.world, _edit("2022010101", "2022010102"))
    assert newer.pk != field.questionnaire.pk


def test_a_version_with_answers_refuses_a_change(field):
    receive_submission(
        county=field.world.county, enumerator=field.enumerator, xml=instance_xml("uuid:a")
    )
    field.questionnaire.xform_xml += "<!-- changed -->"
    with pytest.raises(Exception, match="has answers"):
        field.questionnaire.save()


def test_import_of_the_exported_workbook_gives_the_questionnaire_again(field):
    q = field.questionnaire
    again = parse_xlsform(export_xlsx(q.definition), "export.xlsx")
    assert again.definition == q.definition
    assert again.xform_xml == q.xform_xml
    assert (again.form_id, again.version, again.title) == (q.form_id, q.version, q.title)
    stored = [
        {key: getattr(question, key) for key in vars(again.questions[0])}
        for question in q.questions.order_by("position")
    ]
    assert [vars(question) for question in again.questions] == stored


def test_only_xlsx_files(world):
    with pytest.raises(XLSFormError, match="xlsx"):
        parse_xlsform_via_service(world, b"a,b", "form.csv")
