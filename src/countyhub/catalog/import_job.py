"""The products import as a background job: the page keeps the upload with the job and shows
the job's page; the handler reads the kept file and runs the importer, all rows or none.

A file with errors fails the job with every error by row and column, nothing written; a job
attempted again after its import was committed returns that import's result instead of
importing the file twice (countyhub.core.import_jobs)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.catalog import importer
from countyhub.catalog.errors import ImportRejectedError
from countyhub.catalog.models import Seller
from countyhub.core import import_jobs, jobs
from countyhub.core.models import County, Job
from countyhub.core.permissions import is_county_admin

JOB_KIND = "catalog.import_products"


def import_sellers(user: Any, county: County) -> list[Seller]:
    """The sellers whose products `user` may import: county administrators any seller's in
    their county, sellers' staff their own."""
    if not getattr(user, "is_authenticated", False):
        return []
    if is_county_admin(user, county):
        return list(Seller.objects.filter(county=county))
    return list(user.seller_staff_of.filter(county=county))


def start(*, actor: Any, county: County, upload: Any) -> Job:
    """Queue the import of `upload` (already checked for size and type by the page)."""
    return import_jobs.submit(
        JOB_KIND,
        actor=actor,
        county=county,
        upload=upload,
        action="catalog.import.queued",
        inputs={"county": county.pk},
    )


def rejected_message(errors: list[Any]) -> str:
    return import_jobs.problems_message(
        _("Nothing was changed. Fix these and upload again:"), (str(e) for e in errors)
    )


@jobs.handler(JOB_KIND, label=gettext_lazy("Products import"))
def run_import(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    earlier = import_jobs.applied(job)
    if earlier is not None:
        return earlier
    county = County.objects.get(pk=job.inputs["county"])
    actor = job.created_by
    sellers = import_sellers(actor, county)
    if not sellers:
        raise jobs.JobError(
            _("You may no longer import products in %(county)s.") % {"county": county.name}
        )
    url = (
        reverse("shop:seller_dashboard")
        if actor is not None and actor.seller_staff_of.filter(county=county).exists()
        else reverse("catalog:browse", args=[county.slug])
    )

    def applied(report: importer.ImportReport) -> None:
        summary = _("%(created)d products created, %(updated)d updated.") % {
            "created": report.created,
            "updated": report.updated,
        }
        result.update(
            import_jobs.record(
                job,
                {
                    "created": report.created,
                    "updated": report.updated,
                    "summary": summary,
                    "url": url,
                },
            )
        )

    result: dict[str, Any] = {}
    try:
        with job.input_file.open("rb") as handle:
            rows = importer.read_rows(handle, job.inputs.get("filename", ""))
        importer.import_products(
            county=county,
            actor=actor,
            sellers=sellers,
            rows=rows,
            progress=import_jobs.every(progress),
            applied=applied,
        )
    except ImportRejectedError as rejected:
        raise jobs.JobError(rejected_message(rejected.errors)) from rejected
    return result
