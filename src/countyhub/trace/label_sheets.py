"""Label sheets (issue 19): an A4 PDF of a batch's or a container's labels is made by a
background job, not in the request (1,000 labels took 12.3 s of request time).

``start_label_sheet`` (the use case, audited) queues the job with what identifies the sheet (the
record's id, the grid, the count), not its content; ``make_label_sheet`` (the
handler) rebuilds the content from the record as it stands, checks that the record still exists
and that its user still may print it, and returns the PDF, which the user downloads from the
job's page. A single SVG or PNG label stays in the request (it is cheap)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.core import jobs
from countyhub.core.models import Job
from countyhub.gs1 import keys, labels
from countyhub.trace import policies, selectors
from countyhub.trace.identifiers import container_uri, lot_uri
from countyhub.trace.models import Batch, Container

LABEL_SHEET = "trace.label_sheet"
# The progress is written every this many labels (and at the last): a count per label would
# read the cancel flag a thousand times for a thousand labels.
PROGRESS_EVERY = 10


def batch_label_content(batch: Batch) -> labels.LabelContent:
    dates = []
    if batch.production_date:
        dates.append(("采收 Harvested", batch.production_date.isoformat()))
    if batch.expiry_date:
        dates.append(("保质期至 Best before", batch.expiry_date.isoformat()))
    today = timezone.localdate()
    marks = tuple(
        str(c.get_kind_display())
        for c in batch.product.certifications.all()
        if c.is_valid_on(today)
    )
    brand = batch.product.brand
    return labels.LabelContent(
        product_name=batch.product.name,
        uri=lot_uri(batch),
        brand=f"{brand.parent.name} · {brand.name}" if brand.parent_id else brand.name,
        lot=batch.lot,
        dates=tuple(dates),
        certifications=marks,
    )


def container_label_content(container: Container) -> labels.LabelContent:
    lines = selectors.container_view(container).lines
    products = "、".join(dict.fromkeys(line.batch.product.name for line in lines))
    lots = ", ".join(dict.fromkeys(line.batch.lot for line in lines))
    return labels.LabelContent(
        product_name=f"{container.get_level_display()} · {products}",
        uri=container_uri(container.sscc),
        lot=lots or None,
        dates=(("SSCC", keys.format_sscc(container.sscc)),),
    )


def start_label_sheet(
    *, actor: Any, target: Batch | Container, rows: int, columns: int, count: int
) -> Job:
    """Queue the making of a sheet of ``count`` labels of ``target`` on a ``rows`` x
    ``columns`` grid (the caller checked the grid fits its labels and that ``actor`` may print
    them)."""
    which = "batch" if isinstance(target, Batch) else "container"
    inputs = {
        which: target.pk,
        "rows": rows,
        "columns": columns,
        "count": count,
    }
    return jobs.submit_audited(
        LABEL_SHEET,
        inputs=inputs,
        actor=actor,
        county=target.county,
        action="trace.label_sheet.started",
        target=target,
        changes={"rows": rows, "columns": columns, "count": count},
    )


def _sheet_of(job: Job) -> tuple[labels.LabelContent, str, str]:
    """The label, the file's name and the record's page, from the record as it stands now."""
    user = job.created_by
    if "batch" in job.inputs:
        batch = (
            Batch.objects.select_related("product__brand__parent", "seller", "county")
            .filter(pk=job.inputs["batch"])
            .first()
        )
        if batch is None:
            raise jobs.JobError(_("The batch of these labels no longer exists."))
        if user is None or not policies.may_view(user, batch):
            raise jobs.JobError(_("You may no longer print this batch's labels."))
        return batch_label_content(batch), f"labels-{batch.lot}.pdf", batch.get_absolute_url()
    container = (
        Container.objects.select_related("county", "seller", "parent")
        .filter(pk=job.inputs["container"])
        .first()
    )
    if container is None:
        raise jobs.JobError(_("The case or pallet of these labels no longer exists."))
    if user is None or not policies.may_handle_container(user, container):
        raise jobs.JobError(_("You may no longer print this case's or pallet's labels."))
    return (
        container_label_content(container),
        f"sscc-{container.sscc}.pdf",
        container.get_absolute_url(),
    )


@jobs.handler(LABEL_SHEET, label=gettext_lazy("Label sheet"))
def make_label_sheet(job: Job, progress: jobs.Progress) -> jobs.JobFile:
    """The sheet's PDF; the same inputs make the same sheet, so a retry is harmless."""
    inputs = job.inputs
    count = int(inputs["count"])
    content, name, url = _sheet_of(job)
    progress(0, count)

    def report(done: int, total: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == total:
            progress(done, total)

    try:
        layout = labels.SheetLayout(rows=int(inputs["rows"]), columns=int(inputs["columns"]))
        pdf = labels.label_sheet_pdf([content] * count, layout, progress=report)
    except ValueError as error:  # the record changed since: its text no longer fits
        raise jobs.JobError(
            _("The labels do not fit this grid: %(error)s") % {"error": error}
        ) from error
    result = {"labels": count, "url": url}
    return jobs.JobFile(name, "application/pdf", pdf, result)
