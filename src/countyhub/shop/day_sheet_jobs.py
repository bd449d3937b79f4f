"""A closed station day's sheet as a PDF is made by a background job (issue 19), as every PDF
is: ``start_day_sheet_pdf`` (the use case, audited) queues it with the day's id;
``make_day_sheet_pdf`` (the handler) checks that the day still exists and that its user still
works the station's desk, and returns the PDF, downloaded from the job's page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.core import jobs
from countyhub.core.models import Job
from countyhub.shop import policies
from countyhub.shop.day_sheet import day_sheet_pdf
from countyhub.shop.models import StationDay

DAY_SHEET_PDF = "shop.day_sheet_pdf"


def start_day_sheet_pdf(*, actor: Any, closed: StationDay) -> Job:
    """Queue the PDF of the closed day ``closed`` (the caller checked that ``actor`` works
    its station's desk)."""
    county = closed.station.county
    return jobs.submit_audited(
        DAY_SHEET_PDF,
        inputs={"day": closed.pk},
        actor=actor,
        county=county,
        action="shop.day_sheet_pdf.started",
        target=closed,
        changes={},
    )


@jobs.handler(DAY_SHEET_PDF, label=gettext_lazy("Station day sheet (PDF)"))
def make_day_sheet_pdf(job: Job, progress: jobs.Progress) -> jobs.JobFile:
    """The closed day's sheet; a closed day does not change, so a retry makes the same PDF."""
    closed = (
        StationDay.objects.select_related("station__county", "station__village", "closed_by")
        .filter(pk=job.inputs["day"])
        .first()
    )
    if closed is None:
        raise jobs.JobError(_("This station day no longer exists."))
    if job.created_by is None or not policies.may_work_station_desk(job.created_by, closed.station):
        raise jobs.JobError(_("You no longer work this station's desk."))
    progress(0, 1)
    pdf = day_sheet_pdf(closed)
    progress(1, 1)
    name = f"station-day-{closed.station_id}-{closed.day:%Y%m%d}.pdf"
    url = reverse("shop:station_day_sheet", args=[closed.pk])
    return jobs.JobFile(name, "application/pdf", pdf, {"url": url})
