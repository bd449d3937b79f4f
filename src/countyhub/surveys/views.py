"""Pages of surveys for the county's analysts and administrators: the surveys and their waves
(responses by village, registered-poor share, completion) and each wave's data quality."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from countyhub.core.models import County, Role
from countyhub.core.permissions import is_county_admin, roles_in
from countyhub.surveys import selectors
from countyhub.surveys.models import Survey, Wave


def _survey_county(request: HttpRequest, slug: str) -> County:
    county = get_object_or_404(County, slug=slug)
    if is_county_admin(request.user, county) or Role.ANALYST in roles_in(request.user, county):
        return county
    raise PermissionDenied


@login_required
def survey_list(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _survey_county(request, county_slug)
    surveys = Survey.objects.filter(county=county).prefetch_related("waves__questionnaire")
    rows = [
        {"survey": survey, "waves": [(w, selectors.wave_responses(w)) for w in survey.waves.all()]}
        for survey in surveys
    ]
    return render(request, "surveys/list.html", {"county": county, "rows": rows})


@login_required
def wave_detail(request: HttpRequest, county_slug: str, wave_id: int) -> HttpResponse:
    county = _survey_county(request, county_slug)
    wave = get_object_or_404(
        Wave.objects.select_related("survey", "questionnaire"), pk=wave_id, survey__county=county
    )
    summary = selectors.wave_responses(wave)
    quality = summary["quality"]
    flagged = sorted(
        set(quality.straight_lined) | set(quality.rushed) | set(quality.failed_instructed)
    )
    flags = [
        {
            "instance_id": instance_id,
            "straight_lined": ", ".join(quality.straight_lined.get(instance_id, [])),
            "minutes": quality.minutes.get(instance_id),
            "rushed": instance_id in quality.rushed,
            "failed_instructed": instance_id in quality.failed_instructed,
            "missing": quality.respondent_missing.get(instance_id, 0.0),
        }
        for instance_id in flagged
    ]
    context = {
        "county": county,
        "wave": wave,
        "summary": summary,
        "items": sorted(quality.item_missing.items()),
        "constructs": selectors.questionnaire_constructs(wave.questionnaire),
        "flags": flags,
        "short_minutes": selectors.SHORT_INTERVIEW_MINUTES,
    }
    return render(request, "surveys/wave.html", context)
