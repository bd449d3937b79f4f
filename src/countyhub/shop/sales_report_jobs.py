"""The seller's sales report as CSV is made by a background job (issue 19), not in the request:
``start_sales_report_csv`` (the use case, audited) queues it with the sellers and the months the
page showed; ``make_sales_report_csv`` (the handler) checks that its user is still on the staff
of every one of those sellers and returns the CSV, downloaded from the job's page."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.catalog.models import Seller
from countyhub.core import jobs
from countyhub.core.models import Job
from countyhub.shop.reports import SalesReport

SALES_REPORT_CSV = "shop.sales_report_csv"


def start_sales_report_csv(
    *, actor: Any, sellers: list[Seller], months: list[datetime.date], year: int | None
) -> Job:
    """Queue the CSV of ``sellers``' sales over ``months`` (first days, oldest first), the
    calendar ``year`` if they are one (it names the file); the caller checked that ``actor`` is
    on the staff of every seller."""
    counties = {seller.county for seller in sellers}
    # A report over sellers of several counties is no one county's work.
    county = counties.pop() if len(counties) == 1 else None
    inputs = {
        "sellers": sorted(seller.pk for seller in sellers),
        "months": [month.isoformat() for month in months],
        "year": year,
    }
    return jobs.submit_audited(
        SALES_REPORT_CSV,
        inputs=inputs,
        actor=actor,
        county=county,
        action="shop.sales_report_csv.started",
        changes=inputs,
    )


@jobs.handler(SALES_REPORT_CSV, label=gettext_lazy("Sales report (CSV)"))
def make_sales_report_csv(job: Job, progress: jobs.Progress) -> jobs.JobFile:
    """The report over the months asked for; a retry reads the sales as they stand then."""
    seller_ids = list(job.inputs["sellers"])
    user = job.created_by
    if user is None or not set(seller_ids) <= set(
        user.seller_staff_of.values_list("pk", flat=True)
    ):
        raise jobs.JobError(_("You are no longer on the staff of the sellers of this report."))
    months = [datetime.date.fromisoformat(month) for month in job.inputs["months"]]
    progress(0, 1)
    report = SalesReport.build(seller_ids=seller_ids, months=months)
    content = report.csv()
    progress(1, 1)
    year = job.inputs["year"]
    name = f"sales-{year}" if year else f"sales-{report.months[0]}-{report.months[-1]}"
    url = reverse("shop:sales_report") + (f"?year={year}" if year else "")
    return jobs.JobFile(f"{name}.csv", "text/csv; charset=utf-8", content, {"url": url})
