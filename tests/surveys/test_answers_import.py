"""Answers from a KoboToolbox or SurveyCTO export: all or nothing, every bad cell named by row
and column, idempotent by instanceID; the page is for analysts and county administrators."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from countyhub.core.models import AuditEntry, Job
from countyhub.surveys import import_job
from countyhub.surveys.importing import AnswersImportError, import_answers
from countyhub.surveys.models import Submission

pytestmark = pytest.mark.django_db

KOBO = (
    "start,end,household,ec/ec1,ec/ec2,ec/ec3,income,_uuid,_submission_time,__version__\n"
    "2022-05-01T09:00:00+08:00,2022-05-01T09:30:00+08:00,{hh},4,5,2,32000,aaa-1,2022-05-02,vX\n"
    "2022-05-01T10:00:00+08:00,2022-05-01T10:30:00+08:00,,3,-99,1,-99,aaa-2,2022-05-02,vX\n"
)


def _import(field, content: bytes, name: str = "kobo.csv"):
    return import_answers(
        actor=field.world.users["analyst"],
        questionnaire=field.questionnaire,
        upload=io.BytesIO(content),
        filename=name,
    )


def test_a_kobo_csv_in_gb18030_is_imported_once(field):
    content = KOBO.format(hh=field.household.pk).encode("gb18030")
    result = _import(field, content)
    assert (result.created, result.repeated) == (2, 0)
    first = Submission.objects.get(instance_id="uuid:aaa-1")
    assert first.household == field.household and first.wave == field.wave
    assert first.answers["ec"]["ec1"] == "4" and first.answers["income"] == "32000"
    again = _import(field, content)
    assert (again.created, again.repeated) == (0, 2) and Submission.objects.count() == 2
    assert AuditEntry.objects.filter(action="submissions.imported").count() == 2


def test_a_surveycto_xlsx_with_group_dashes_and_key(field):
    book = Workbook()
    sheet = book.active
    sheet.append(["SubmissionDate", "household", "ec-ec1", "ec-ec2", "ec-ec3", "income", "KEY"])
    sheet.append(["2022-05-02", "", 4.0, 5, 1, 1234.5, "uuid:cto-1"])
    out = io.BytesIO()
    book.save(out)
    assert _import(field, out.getvalue(), "cto.xlsx").created == 1
    assert Submission.objects.get().answers["ec"]["ec1"] == "4"


def test_bad_cells_are_each_named_and_nothing_is_saved(field):
    content = (
        b"ec/ec1,ec/ec2,income,colour,meta/instanceID\n"
        b"4,5,100,red,uuid:1\n"
        b"7,2,abc,,uuid:2\n"
        b"3,x,5,,uuid:1\n"
    )
    with pytest.raises(AnswersImportError) as raised:
        _import(field, content)
    found = {(p["row"], p["column"]) for p in raised.value.problems}
    assert found == {
        (1, "colour"),
        (3, "ec/ec1"),
        (3, "income"),
        (4, "ec/ec2"),
        (4, "meta/instanceID"),
    }
    messages = " ".join(p["message"] for p in raised.value.problems)
    assert "outside the scale 1–5" in messages and "abc is not a number" in messages
    assert "on row 2 already" in messages
    assert not Submission.objects.exists()


def test_an_instance_id_here_with_other_content_refuses_the_whole_file(field):
    _import(field, KOBO.format(hh="").encode())
    changed = KOBO.format(hh="").replace(",4,5,2,", ",1,5,2,").replace("aaa-2", "aaa-3")
    with pytest.raises(AnswersImportError) as raised:
        _import(field, changed.encode())
    assert [(p["row"], p["column"]) for p in raised.value.problems] == [(2, "_uuid")]
    assert not Submission.objects.filter(instance_id="uuid:aaa-3").exists()


def test_the_page_is_for_analysts_only_and_queues_a_job(client, field):
    url = f"/c/{field.world.county.slug}/surveys/import/"
    client.force_login(field.enumerator)
    assert client.get(url).status_code == 403
    client.force_login(field.world.users["other_county_admin"])
    assert client.get(url).status_code == 403
    client.force_login(field.world.users["analyst"])
    no_table = SimpleUploadedFile("kobo.pdf", b"%PDF-1.4", "application/pdf")
    response = client.post(
        url, {"questionnaire": field.questionnaire.pk, "file": no_table}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert (
        response.status_code == 400 and "Upload a .csv or .xlsx file." in response.content.decode()
    )
    good = SimpleUploadedFile("kobo.csv", b"ec/ec1,_uuid\n3,u1\n", "text/csv")
    response = client.post(url, {"questionnaire": field.questionnaire.pk, "file": good})
    job = Job.objects.get(kind=import_job.JOB_KIND)
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.county == field.world.county and job.created_by == field.world.users["analyst"]
    # It runs when this test's transaction commits, which it never does: the job's own tests
    # are in tests/surveys/test_answers_import_job.py.
    assert not Submission.objects.exists()
