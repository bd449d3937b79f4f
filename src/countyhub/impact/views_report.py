"""The county's annual impact report: its page and its PDF (issue 15). Same readers as the county
accounts page (county administrators and analysts of the county)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from countyhub.core.models import County
from countyhub.impact.report import ImpactReport, impact_report
from countyhub.impact.report_pdf import report_pdf
from countyhub.impact.views import _county

FIRST_YEAR = 2000


def _report(request: HttpRequest, county_slug: str, year: int) -> tuple[County, ImpactReport]:
    county, _may_change = _county(request, county_slug)
    if not FIRST_YEAR <= year <= timezone.localdate().year:
        raise Http404
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
def report_pdf_download(request: HttpRequest, county_slug: str, year: int) -> HttpResponse:
    county, report = _report(request, county_slug, year)
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    name = f"impact-report-{county.slug}-{year}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
