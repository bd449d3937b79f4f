"""The annual impact report's PDF is made by a background job (issue 19), not in the request.

``start_report_pdf`` (the use case, audited) queues the job with the county and the year (it
runs in the language of the page that queued it); ``make_report_pdf`` (the handler) checks that
the county still exists and that its user still may read its report, computes the report as it
stands and returns the PDF, which the user downloads from the job's page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.core import jobs
from countyhub.core.models import County, Job, Role
from countyhub.core.permissions import is_county_admin, roles_in
from countyhub.impact.report import impact_report
from countyhub.impact.report_pdf import report_pdf

REPORT_PDF = "impact.report_pdf"


def may_read_report(user: Any, county: County) -> bool:
    """The report's readers: the county's administrators and analysts (as its page)."""
    return is_county_admin(user, county) or Role.ANALYST in roles_in(user, county)


def start_report_pdf(*, actor: Any, county: County, year: int) -> Job:
    """Queue the making of ``county``'s report of ``year`` as a PDF (the caller checked that
    ``actor`` may read the report)."""
    inputs = {"county": county.pk, "year": year}
    return jobs.submit_audited(
        REPORT_PDF,
        inputs=inputs,
        actor=actor,
        county=county,
        action="impact.report_pdf.started",
        target=county,
        changes={"year": year},
    )


@jobs.handler(REPORT_PDF, label=gettext_lazy("Annual impact report (PDF)"))
def make_report_pdf(job: Job, progress: jobs.Progress) -> jobs.JobFile:
    """The report's PDF; made again from the same records it is the same, so a retry is
    harmless."""
    year = int(job.inputs["year"])
    county = County.objects.filter(pk=job.inputs["county"]).first()
    if county is None:
        raise jobs.JobError(_("The county of this report no longer exists."))
    if job.created_by is None or not may_read_report(job.created_by, county):
        raise jobs.JobError(_("You may no longer read this county's impact report."))
    progress(0, 2)
    report = impact_report(county, year)
    progress(1, 2)
    pdf = report_pdf(report)
    progress(2, 2)
    result = {"year": year, "url": reverse("impact:report", args=[county.slug, year])}
    return jobs.JobFile(f"impact-report-{county.slug}-{year}.pdf", "application/pdf", pdf, result)
