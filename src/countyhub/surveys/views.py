"""Pages of surveys for the county's analysts and administrators: the surveys and their waves
(responses by village, registered-poor share, completion) and each wave's data quality."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from countyhub.core import import_jobs
from countyhub.core.models import County
from countyhub.core.permissions import may_see_households
from countyhub.surveys import import_job, selectors
from countyhub.surveys.export_job import CONTENT_TYPES, start_wave_export
from countyhub.surveys.models import Questionnaire, Survey, Wave
from countyhub.surveys.policies import may_read_surveys


def _survey_county(request: HttpRequest, slug: str) -> County:
    county = get_object_or_404(County, slug=slug)
    if may_read_surveys(request.user, county):
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
        "may_see_households": may_see_households(request.user, county),
    }
    return render(request, "surveys/wave.html", context)


@login_required
@require_POST
def wave_export(request: HttpRequest, county_slug: str, wave_id: int, fmt: str) -> HttpResponse:
    """Start the export of the wave's answers as CSV or XLSX and show its job's page, which
    offers the file once it is made; respondents are pseudonymous unless `ids=household` is
    asked by someone who may see household data."""
    county = _survey_county(request, county_slug)
    wave = get_object_or_404(
        Wave.objects.select_related("survey__county", "questionnaire"),
        pk=wave_id,
        survey__county=county,
    )
    if fmt not in CONTENT_TYPES:
        raise Http404
    household_ids = request.POST.get("ids") == "household"
    if household_ids and not may_see_households(request.user, county):
        raise PermissionDenied
    job = start_wave_export(actor=request.user, wave=wave, fmt=fmt, household_ids=household_ids)
    return redirect("job", job_id=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def answers_import(request: HttpRequest, county_slug: str) -> HttpResponse:
    """Answers from a KoboToolbox or SurveyCTO export into one questionnaire version."""
    county = _survey_county(request, county_slug)
    questionnaires = Questionnaire.objects.filter(county=county).order_by("form_id", "-created_at")
    context: dict[str, object] = {"county": county, "questionnaires": questionnaires}
    if request.method == "POST":
        questionnaire = questionnaires.filter(pk=request.POST.get("questionnaire") or 0).first()
        upload = request.FILES.get("file")
        if questionnaire is None or upload is None:
            message = _("Choose a questionnaire and a file.")
        elif not (upload.name or "").lower().endswith((".csv", ".xlsx")):
            message = _("Upload a .csv or .xlsx file.")
        else:
            message = import_jobs.upload_too_large(upload) or ""
        if message:
            context["problems"] = [{"row": "", "column": "", "message": message}]
            return render(request, "surveys/import.html", context, status=400)
        job = import_job.start(actor=request.user, questionnaire=questionnaire, upload=upload)
        return redirect("job", job_id=job.pk)
    return render(request, "surveys/import.html", context)
