"""A wave's answers as CSV or XLSX are made by a background job (issue 19), not in the request:
``start_wave_export`` (the use case, audited) queues the job with the wave's id, the format and
whether respondents are named by their household; ``make_wave_export`` (the handler) checks that
the wave still exists and that its user still may read the county's surveys (and its households,
if asked), and returns the file, downloaded from the job's page."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from countyhub.core import jobs
from countyhub.core.models import Job
from countyhub.core.permissions import may_see_households
from countyhub.core.spreadsheets import SafeCsvWriter, safe_row
from countyhub.surveys import selectors
from countyhub.surveys.models import Wave
from countyhub.surveys.policies import may_read_surveys

WAVE_EXPORT = "surveys.wave_export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


def start_wave_export(*, actor: Any, wave: Wave, fmt: str, household_ids: bool) -> Job:
    """Queue the export of ``wave``'s answers as ``fmt`` (one of CONTENT_TYPES); the caller
    checked that ``actor`` may read the county's surveys, and its households if
    ``household_ids``."""
    county = wave.survey.county
    inputs = {"wave": wave.pk, "format": fmt, "household_ids": household_ids}
    return jobs.submit_audited(
        WAVE_EXPORT,
        inputs=inputs,
        actor=actor,
        county=county,
        action="surveys.wave_export.started",
        target=wave,
        changes={"format": fmt, "household_ids": household_ids},
    )


def answers_file(header: list[str], rows: list[list[Any]], fmt: str) -> bytes:
    """The answers table as a CSV or XLSX file, no cell read as a formula."""
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel and WPS read UTF-8 only with its byte-order mark
        writer = SafeCsvWriter(buffer, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().encode("utf-8")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "answers"
    sheet.append(header)
    for row in rows:
        sheet.append(safe_row(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@jobs.handler(WAVE_EXPORT, label=gettext_lazy("Survey wave export"))
def make_wave_export(job: Job, progress: jobs.Progress) -> jobs.JobFile:
    """The wave's answers as they stand; pseudonyms are drawn anew by each run, as by each
    export, so a retry gives an export as good as the first."""
    wave = (
        Wave.objects.select_related("survey__county", "questionnaire")
        .filter(pk=job.inputs["wave"])
        .first()
    )
    if wave is None:
        raise jobs.JobError(_("This survey wave no longer exists."))
    county, user = wave.survey.county, job.created_by
    household_ids = bool(job.inputs["household_ids"])
    if user is None or not may_read_surveys(user, county):
        raise jobs.JobError(
            _("You may no longer read the surveys of %(county)s.") % {"county": county.name}
        )
    if household_ids and not may_see_households(user, county):
        raise jobs.JobError(
            _("You may no longer see the households of %(county)s.") % {"county": county.name}
        )
    fmt = job.inputs["format"]
    progress(0, 1)
    header, rows = selectors.export_table(wave, household_ids=household_ids)
    content = answers_file(header, rows, fmt)
    progress(1, 1)
    name = f"{wave.questionnaire.form_id}-{wave.year}.{fmt}"
    url = reverse("surveys:wave", args=[county.slug, wave.pk])
    return jobs.JobFile(name, CONTENT_TYPES[fmt], content, {"url": url})
