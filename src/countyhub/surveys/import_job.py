"""The survey answers import as a background job: the page keeps the export with the job and
shows the job's page; the handler reads the kept file and imports every row or none.

A file with bad cells fails the job with each cell by row and column, nothing saved; a job
attempted again after its import was committed returns that import's result instead of
importing the file again (countyhub.core.import_jobs)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.core import import_jobs, jobs
from countyhub.core.models import Job
from countyhub.surveys.importing import AnswersImportError, ImportResult, import_answers
from countyhub.surveys.models import Questionnaire
from countyhub.surveys.policies import may_read_surveys

JOB_KIND = "surveys.import_answers"


def start(*, actor: Any, questionnaire: Questionnaire, upload: Any) -> Job:
    """Queue the import of `upload` into `questionnaire` (checked for size and type)."""
    return import_jobs.submit(
        JOB_KIND,
        actor=actor,
        county=questionnaire.county,
        upload=upload,
        action="submissions.import.queued",
        inputs={"questionnaire": questionnaire.pk},
        changes={"questionnaire": questionnaire.pk},
    )


def rejected_message(error: AnswersImportError) -> str:
    lines = (
        _("row %(row)s, column %(column)s: %(message)s")
        % {"row": p["row"], "column": p["column"] or "—", "message": p["message"]}
        for p in error.problems
    )
    return import_jobs.problems_message(error.message, lines)


@jobs.handler(JOB_KIND, label=gettext_lazy("Survey answers import"))
def run_import(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    earlier = import_jobs.applied(job)
    if earlier is not None:
        return earlier
    questionnaire = Questionnaire.objects.select_related("county").get(
        pk=job.inputs["questionnaire"]
    )
    county = questionnaire.county
    # The import page is one of the survey pages: its job asks their question again.
    if not may_read_surveys(job.created_by, county):
        raise jobs.JobError(
            _("You may no longer import answers in %(county)s.") % {"county": county.name}
        )
    url = reverse("surveys:list", args=[county.slug])
    result: dict[str, Any] = {}

    def applied(imported: ImportResult) -> None:
        summary = _("%(created)s answers imported, %(repeated)s were here already.") % {
            "created": imported.created,
            "repeated": imported.repeated,
        }
        result.update(
            import_jobs.record(
                job,
                {
                    "created": imported.created,
                    "repeated": imported.repeated,
                    "summary": summary,
                    "url": url,
                },
            )
        )

    filename = job.inputs.get("filename", "")
    try:
        with job.input_file.open("rb") as handle:
            import_answers(
                actor=job.created_by,
                questionnaire=questionnaire,
                upload=handle,
                filename=filename,
                progress=import_jobs.every(progress),
                applied=applied,
            )
    except AnswersImportError as error:
        raise jobs.JobError(rejected_message(error)) from error
    return result
