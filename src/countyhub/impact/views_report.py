"""The county's annual impact report: its page and its PDF (issue 15; the PDF is made by a
background job, issue 19). Same readers as the county accounts page (county administrators and
analysts of the county)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from countyhub.core.models import County
from countyhub.impact.report import ImpactReport, impact_report
from countyhub.impact.report_jobs import start_report_pdf
from countyhub.impact.views import _county

FIRST_YEAR = 2000


def _readable(request: HttpRequest, county_slug: str, year: int) -> County:
    """The county whose report of ``year`` the user may read (a year out of range is none)."""
    county, _may_change = _county(request, county_slug)
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404
    return county


def _report(request: HttpRequest, county_slug: str, year: int) -> tuple[County, ImpactReport]:
    county = _readable(request, county_slug, year)
    return county, impact_report(county, year)


@login_required
def report_page(request: HttpRequest, county_slug: str, year: int) -> HttpResponse:
    county, report = _report(request, county_slug, year)
    this_year = timezone.localdate().year
    context = {
        "county": county,
        "report": report,
        "years": list(range(this_year, this_year - 10, -1)),
    }
    return render(request, "impact/report.html", context)


@login_required
@require_POST
def report_pdf_start(request: HttpRequest, county_slug: str, year: int) -> HttpResponse:
    """The report as a PDF, made in the background (it reads a year of records and draws every
    section): the user is sent to the job's page, which offers the PDF once it is made."""
    county = _readable(request, county_slug, year)
    job = start_report_pdf(actor=request.user, county=county, year=year)
    return redirect("job", job_id=job.pk)
