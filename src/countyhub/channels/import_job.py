"""A channel's order file is imported by a background job (issue 19): a marketplace's export of
100,000 rows takes most of a minute to import, longer than a request may last.

The channel's page checks the file's type and size and queues it (``start``, audited); the job
runs the import the command line runs (``services.import_order_file``: every row checked, then
all good orders in one transaction, or nothing when a row is bad and the user did not ask to
leave bad orders out). Its page names each bad row, or says what was imported and links back
to the channel. The job marks itself applied inside the import's transaction
(``core.import_jobs``), so an attempt after the commit returns the committed counts instead of
"0 imported, N imported before"."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.channels import policies, services
from countyhub.channels.errors import ChannelError, Problem
from countyhub.channels.models import Channel
from countyhub.core import import_jobs, jobs
from countyhub.core.models import Job
from countyhub.core.numbers import plain_number
from countyhub.shop.errors import InsufficientStockError

JOB_KIND = "channels.order_import"


def start(*, actor: Any, channel: Channel, upload: Any, skip_bad_rows: bool) -> Job:
    """Queue the import of `upload` (already checked for size and type by the page)."""
    return import_jobs.submit(
        JOB_KIND,
        actor=actor,
        county=channel.county,
        upload=upload,
        action="channel.import.queued",
        inputs={"channel": channel.pk, "skip_bad_rows": skip_bad_rows},
        changes={"channel": channel.code, "skip_bad_rows": skip_bad_rows},
    )


def _lines(problems: list[Problem]) -> list[str]:
    return [
        _("row %(row)d, %(field)s: %(message)s")
        % {"row": p.position, "field": p.field, "message": p.message}
        for p in problems
    ]


def _shortages_message(error: InsufficientStockError) -> str:
    return import_jobs.problems_message(
        _("Not enough stock: nothing was imported."),
        (
            _("%(product)s: %(requested)s ordered, %(available)s available")
            % {
                "product": s.product_name,
                "requested": plain_number(s.requested),
                "available": plain_number(s.available),
            }
            for s in error.shortages
        ),
    )


@jobs.handler(JOB_KIND, label=gettext_lazy("Channel orders import"))
def run_import(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    earlier = import_jobs.applied(job)
    if earlier is not None:
        return earlier
    actor = job.created_by
    channel = (
        policies.visible_channels(actor)
        .filter(pk=job.inputs["channel"])
        .select_related("county")
        .first()
        if actor is not None
        else None
    )
    if channel is None:
        raise jobs.JobError(_("You may no longer import this channel's orders."))
    progress(0, 1)
    try:
        # The mark goes in with the orders: the import's own transaction is a savepoint of this.
        with transaction.atomic(), job.input_file.open("rb") as handle:
            report = services.import_order_file(
                channel=channel,
                actor=actor,
                upload=handle,
                filename=job.inputs.get("filename", ""),
                skip_bad_rows=bool(job.inputs.get("skip_bad_rows")),
            )
            if report.refused:
                raise jobs.JobError(
                    import_jobs.problems_message(
                        _("Nothing was imported. Fix these rows and import the file again:"),
                        _lines(report.problems),
                    )
                )
            summary = _("%(imported)s orders imported, %(existing)s imported before.") % {
                "imported": report.imported,
                "existing": report.existing,
            }
            if report.skipped:
                summary += " " + _("%(skipped)s orders with bad rows left out.") % {
                    "skipped": report.skipped
                }
            result = import_jobs.record(
                job,
                {
                    "imported": report.imported,
                    "existing": report.existing,
                    "skipped": report.skipped,
                    "summary": summary,
                    # The rows left out and the repairs made, shown under the summary.
                    "details": import_jobs.capped([*_lines(report.problems), *report.notes]),
                    "url": reverse("channels:channel", args=[channel.county.slug, channel.code]),
                },
            )
    except ChannelError as error:
        raise jobs.JobError(error.message) from error
    except InsufficientStockError as error:
        raise jobs.JobError(_shortages_message(error)) from error
    progress(1, 1)
    return result
