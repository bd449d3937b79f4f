"""A wave's answers are exported by a background job (issue 19): the wave's page posts the
export, its job makes the CSV or XLSX the page used to send, and only its user downloads it."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus, Membership, Role
from countyhub.surveys.export_job import WAVE_EXPORT, XLSX
from countyhub.surveys.services import receive_submission
from tests.surveys.conftest import instance_xml

pytestmark = pytest.mark.django_db

# What instance_xml sends unless told otherwise, by question: the export keeps it as collected.
SENT = {
    "start": "2022-05-01T09:00:00+08:00",
    "end": "2022-05-01T09:25:00+08:00",
    "ec1": "4",
    "ec2": "5",
    "ec3": "2",
    "income": "32000",
    "photo1": "",
    "photo2": "",
}


def _answer(field, instance_id, **values):
    receive_submission(
        county=field.world.county,
        enumerator=field.enumerator,
        xml=instance_xml(instance_id, **values),
    )


def _url(field, fmt: str = "csv") -> str:
    return reverse("surveys:wave_export", args=[field.world.county.slug, field.wave.pk, fmt])


def _start(client, field, fmt: str = "csv", user: str = "analyst", **data) -> Job:
    client.force_login(field.world.users[user])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(_url(field, fmt), data)
    job = Job.objects.filter(kind=WAVE_EXPORT).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    return job


def _run(job: Job) -> Job:
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    return job


def _download(client, job: Job) -> bytes:
    job = _run(job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    response = client.get(reverse("job_file", args=[job.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_the_csv_is_the_answers_table_with_a_byte_order_mark(client, field):
    household = str(field.household.pk)
    _answer(field, "uuid:e1", household=household)
    _answer(field, "uuid:e2", household=household, ec1="-99", income="")
    job = _start(client, field, ids="household")
    assert job.inputs == {"wave": field.wave.pk, "format": "csv", "household_ids": True}
    content = _download(client, job)
    job.refresh_from_db()
    assert job.output_name == "hh_test-2022.csv"
    assert job.output_type == "text/csv; charset=utf-8"
    assert job.result["url"] == reverse(
        "surveys:wave", args=[field.world.county.slug, field.wave.pk]
    )
    names = list(field.questionnaire.questions.order_by("position").values_list("name", flat=True))
    answers = [
        {**SENT, "household": household},
        {**SENT, "household": household, "ec1": "-99", "income": ""},
    ]
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["respondent", "form_version", "wave", "instance_id", *names])
    for instance_id, sent in zip(["uuid:e1", "uuid:e2"], answers, strict=True):
        row = [household, "2022010101", "2022", instance_id]
        writer.writerow(row + [sent[name] for name in names])
    assert content == ("\ufeff" + expected.getvalue()).encode("utf-8")


def test_the_export_is_pseudonymous_unless_household_ids_are_asked(client, field):
    household = str(field.household.pk)
    _answer(field, "uuid:e1", household=household, income="-99")
    _answer(field, "uuid:e2", household="=cmd()")
    rows = _rows(_download(client, _start(client, field)))
    assert rows[0][:4] == ["respondent", "form_version", "wave", "instance_id"]
    assert [row[1] for row in rows[1:]] == ["2022010101", "2022010101"]
    assert household not in {row[0] for row in rows[1:]} and len(rows[1][0]) == 16
    assert rows[1][rows[0].index("income")] == "-99"  # as collected
    assert rows[2][rows[0].index("household")] == "'=cmd()"  # never a formula
    named = _rows(_download(client, _start(client, field, ids="household")))
    assert named[1][0] == household and named[1][3] == "uuid:e1"
    job = _start(client, field, "xlsx")
    workbook = load_workbook(io.BytesIO(_download(client, job)))
    job.refresh_from_db()
    assert (job.output_name, job.output_type) == ("hh_test-2022.xlsx", XLSX)
    sheet = workbook["answers"]
    assert sheet.max_row == 3
    assert [cell.value for cell in sheet[1]] == rows[0]
    assert sheet.cell(3, rows[0].index("household") + 1).value == "'=cmd()"


def test_the_start_is_audited_and_the_page_offers_the_export(client, field):
    job = _start(client, field, "xlsx")
    audit = AuditEntry.objects.get(action="surveys.wave_export.started")
    assert audit.actor == field.world.users["analyst"] and audit.county == field.world.county
    assert audit.changes == {"job": job.pk, "format": "xlsx", "household_ids": False}
    assert (job.created_by, job.county) == (field.world.users["analyst"], field.world.county)
    page = client.get(reverse("surveys:wave", args=[field.world.county.slug, field.wave.pk]))
    html = page.content.decode()
    assert 'id="wave-export"' in html and "csrfmiddlewaretoken" in html
    assert _url(field, "xlsx") in html and 'name="ids" value="household"' in html


def test_a_get_starts_nothing(client, field):
    client.force_login(field.world.users["analyst"])
    assert client.get(_url(field)).status_code == 405
    assert client.get(_url(field) + "?ids=household").status_code == 405
    assert client.post(_url(field, "pdf")).status_code == 404
    assert not Job.objects.exists()


def test_a_user_who_lost_access_gets_a_failed_job(client, field):
    _answer(field, "uuid:e1", household=str(field.household.pk))
    job = _start(client, field, ids="household")
    Membership.objects.filter(user=field.world.users["analyst"], role=Role.ANALYST).delete()
    job = _run(job)
    assert job.status == JobStatus.FAILED and not job.output_file
    assert job.error == f"You may no longer read the surveys of {field.world.county.name}."
    assert client.get(reverse("job_file", args=[job.pk])).status_code == 404


def test_others_cannot_start_it_or_download_it(client, field):
    _answer(field, "uuid:e1", household=str(field.household.pk))
    job = _run(_start(client, field))
    assert job.status == JobStatus.SUCCEEDED
    for other in ("county_admin", "other_county_admin", "seller_staff", "buyer", "enumerator"):
        client.force_login(field.world.users[other])
        for name in ("job", "job_file", "job_progress"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
    for other in ("other_county_admin", "seller_staff", "buyer", "enumerator"):
        client.force_login(field.world.users[other])
        assert client.post(_url(field), {"ids": "household"}).status_code == 403, other
    assert Job.objects.filter(kind=WAVE_EXPORT).count() == 1
