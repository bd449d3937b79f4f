"""What the import jobs (products, survey answers, EPCIS documents) share: applying an import
exactly once however often its job is attempted, and saying what was wrong with a file.

An import writes everything in one transaction. Its job records the import's result on the
job's row inside that same transaction (:func:`record`), so the row says "applied" if and only
if the import was committed. A later attempt (a retry after the commit's acknowledgement was
lost, a worker killed between the commit and the job's end, the user's "Try again") finds that
result (:func:`applied`) and returns it instead of importing the file a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils.translation import gettext as _

from countyhub.core import jobs
from countyhub.core.models import County, Job

APPLIED = "applied"
# Problems written out in a failed job's message; a file with more says how many were left out.
MAX_PROBLEM_LINES = 100
# A progress report (which also reads the cancel flag) every this many rows checked.
PROGRESS_EVERY = 200
# The largest file an import page accepts; the readers cap rows and cells on their own.
MAX_UPLOAD_BYTES = 20 * 2**20


def submit(
    kind: str,
    *,
    actor: Any,
    county: County | None,
    upload: Any,
    action: str,
    inputs: dict[str, Any],
    changes: dict[str, Any] | None = None,
) -> Job:
    """Queue the import job of kind ``kind`` for ``upload`` (checked for size and type by its
    page), kept with the job, and audit the queueing as ``action``."""
    return jobs.submit_audited(
        kind,
        inputs={**inputs, "filename": upload.name},
        actor=actor,
        county=county,
        action=action,
        changes={**(changes or {}), "file": upload.name, "size": upload.size},
        input_file=upload,
    )


def applied(job: Job) -> dict[str, Any] | None:
    """The result an earlier attempt of this job committed with its import, or None."""
    job.refresh_from_db(fields=["result"])
    if not job.result.get(APPLIED):
        return None
    # The page's "Done." line again: a requeue in between replaced the job's message.
    Job.objects.filter(pk=job.pk).update(message=str(job.result.get("summary", ""))[:200])
    return dict(job.result)


def record(job: Job, result: dict[str, Any]) -> dict[str, Any]:
    """Mark the job's import applied; call it inside the import's own transaction (as its last
    write), so the mark and the import are committed together or not at all."""
    result = {**result, APPLIED: True}
    Job.objects.filter(pk=job.pk).update(
        result=result, message=str(result.get("summary", ""))[:200]
    )
    return result


def every(progress: Callable[[int, int], None] | None, step: int = PROGRESS_EVERY) -> Any:
    """A progress callback for a loop over rows that reports every ``step`` rows and the last:
    each report is a query (the cancel flag), too many for every row of a large file."""
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        if done == 1 or done % step == 0 or done >= total:  # the first: the page learns the total
            progress(done, total)

    return report


def capped(problems: Iterable[str]) -> list[str]:
    """The first MAX_PROBLEM_LINES problems, and how many more there were."""
    lines = list(problems)
    shown = lines[:MAX_PROBLEM_LINES]
    if len(lines) > len(shown):
        shown.append(_("… and %(count)d more problems.") % {"count": len(lines) - len(shown)})
    return shown


def problems_message(heading: str, problems: Iterable[str]) -> str:
    """A failed import's message for its job page: the heading, then one problem a line."""
    return "\n".join([heading, *capped(problems)])


def upload_too_large(upload: Any) -> str | None:
    """What the import pages say about a file too large to queue (None: it is not)."""
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        return _("The file is larger than %(mib)d MiB: split it into smaller files.") % {
            "mib": MAX_UPLOAD_BYTES // 2**20
        }
    return None


def table_upload_problem(upload: Any) -> str | None:
    """What the import pages say about a table upload before queueing it: missing, not a .csv
    or .xlsx, too large (None: none of these)."""
    if upload is None:
        return _("Choose a file.")
    if not (upload.name or "").lower().endswith((".csv", ".xlsx")):
        return _("Upload a .csv or .xlsx file.")
    return upload_too_large(upload)
