"""The EPCIS document import as a background job: the back-office page checks that the upload
is JSON, keeps it with the job and shows the job's page; the handler imports every event of
the document or none.

A document with problems fails the job with each event's index, field and problem, nothing
stored. A capture that asked to proceed past them (EPCIS 2.0's "proceed", the API only) stores
every valid event instead and succeeds, its result listing what was stored and the problems of
the events refused. A job attempted again after its import was committed returns that import's
result instead of finding every event "already recorded" (countyhub.core.import_jobs)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from countyhub.core import import_jobs, jobs
from countyhub.core.json_input import JSONInputError, parse_json
from countyhub.core.models import County, Job
from countyhub.trace import exchange, policies, selectors
from countyhub.trace.errors import DocumentRejectedError, problem_list
from countyhub.trace.exchange import ErrorBehaviour, Imported
from countyhub.trace.models import TraceEvent

JOB_KIND = "trace.import_epcis"
# A refused document's problems, kept in the failed job's result as the API's capture job
# lists them (event index, field, message); the job's error says the same in lines of text.
# A capture that proceeded keeps the problems of the events it refused there too.
PROBLEMS = "problems"


def may_import(user: Any) -> bool:
    """Sellers' staff, and whoever sees batches (county staff), import documents."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(policies.seller_ids_of(user)) or selectors.batches_visible_to(user).exists()


def start(
    *,
    actor: Any,
    county_id: int,
    upload: Any,
    error_behaviour: ErrorBehaviour = ErrorBehaviour.ROLLBACK,
) -> Job:
    """Queue the import of the EPCIS document `upload` into county `county_id`'s batches, all
    or nothing (rollback) or of its valid events (proceed)."""
    return import_jobs.submit(
        JOB_KIND,
        actor=actor,
        county=County.objects.filter(pk=county_id).first(),
        upload=upload,
        action="trace.import.queued",
        inputs={"county_id": county_id, "error_behaviour": error_behaviour.value},
        changes={"error_behaviour": error_behaviour.value},
    )


def error_behaviour(job: Job) -> ErrorBehaviour:
    """How the job imports (jobs queued before there was a choice roll back)."""
    return ErrorBehaviour(job.inputs.get("error_behaviour", ErrorBehaviour.ROLLBACK))


def rejected_message(error: DocumentRejectedError) -> str:
    lines = (
        _("event %(index)s, %(field)s: %(message)s")
        % {
            "index": pgettext("EPCIS document", "document") if p.index is None else p.index,
            "field": p.field,
            "message": p.message,
        }
        for p in error.problems
    )
    return import_jobs.problems_message(error.message, lines)


@jobs.handler(JOB_KIND, label=gettext_lazy("EPCIS document import"))
def run_import(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    earlier = import_jobs.applied(job)
    if earlier is not None:
        return earlier
    if PROBLEMS in job.result:  # an earlier attempt's: this one fails, if it does, on its own
        Job.objects.filter(pk=job.pk).update(result={})
    actor = job.created_by
    if not may_import(actor):
        raise jobs.JobError(_("You may no longer import EPCIS documents."))
    with job.input_file.open("rb") as handle:
        raw = handle.read()
    try:
        document = parse_json(raw)
    except JSONInputError as error:
        raise jobs.JobError(str(error)) from error
    result: dict[str, Any] = {}

    def applied(rows: list[TraceEvent]) -> None:
        summary = _("Imported %(n)d events.") % {"n": len(rows)}
        result.update(
            import_jobs.record(
                job, {"events": len(rows), "summary": summary, "url": reverse("trace:batches")}
            )
        )

    def proceeded(imported: Imported) -> None:
        """What was stored (its event IDs) and what was refused, committed with the events."""
        refused = imported.refused
        summary = _("Imported %(n)d events; refused %(refused)d.") % {
            "n": len(imported.rows),
            "refused": len({problem.index for problem in refused}),
        }
        result.update(
            import_jobs.record(
                job,
                {
                    "events": len(imported.rows),
                    "event_ids": imported.event_ids,
                    PROBLEMS: problem_list(refused),
                    "summary": summary,
                    "url": reverse("trace:batches"),
                },
            )
        )

    arguments = {
        "actor": actor,
        "county_id": job.inputs["county_id"],
        "document": document,
        "progress": import_jobs.every(progress, step=50),
    }
    try:
        if error_behaviour(job) is ErrorBehaviour.PROCEED:
            exchange.import_valid_events(**arguments, applied=proceeded)
        else:
            exchange.import_document(**arguments, applied=applied)
    except DocumentRejectedError as error:
        Job.objects.filter(pk=job.pk).update(result={PROBLEMS: error.details()["problems"]})
        raise jobs.JobError(rejected_message(error)) from error
    return result
