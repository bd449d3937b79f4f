"""Program evaluation pages: choose a panel, a rollout, an outcome, the comparison group and
covariates, run the staggered DiD in the background, read its event study. County administrators and
analysts only (the permission of the impact pages). Thin: parse, call the service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from countyhub.core.jobs import job_progress, reap_if_stale
from countyhub.impact.models import EvaluationRun
from countyhub.impact.panel_forms import EvaluationForm, covariates_label, outcome_label
from countyhub.impact.panel_presentation import present_evaluation
from countyhub.impact.panel_runs import (
    EvaluationInputError,
    panel_filename,
    run_command,
    start_evaluation,
)
from countyhub.impact.views import _county


@login_required
def evaluations(request: HttpRequest, county_slug: str) -> HttpResponse:
    county, _may_change = _county(request, county_slug)
    form = EvaluationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = start_evaluation(county=county, actor=request.user, **form.cleaned_data)
        except EvaluationInputError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect("impact:evaluation", county.slug, run.pk)
    runs = EvaluationRun.objects.filter(county=county).select_related("job")[:50]
    context = {
        "county": county,
        "form": form,
        "runs": [(run, outcome_label(run.outcome)) for run in runs],
    }
    return render(request, "impact/panels.html", context, status=400 if form.errors else 200)


def _run(request: HttpRequest, county_slug: str, run_id: int) -> EvaluationRun:
    county, _may_change = _county(request, county_slug)
    run = get_object_or_404(
        EvaluationRun.objects.select_related("job", "county"), pk=run_id, county=county
    )
    run.job = reap_if_stale(run.job)
    return run


@login_required
def evaluation(request: HttpRequest, county_slug: str, run_id: int) -> HttpResponse:
    run = _run(request, county_slug, run_id)
    context = {
        "county": run.county,
        "run": run,
        "job": run.job,
        "outcome": outcome_label(run.outcome),
        "covariates": covariates_label(run.covariates),
        "command": run_command(run),
        "shown": present_evaluation(run.results),
    }
    return render(request, "impact/panels_run.html", context)


@login_required
def evaluation_progress(request: HttpRequest, county_slug: str, run_id: int) -> JsonResponse:
    job = _run(request, county_slug, run_id).job
    return JsonResponse(job_progress(job))


@login_required
def evaluation_panel(request: HttpRequest, county_slug: str, run_id: int) -> HttpResponse:
    """The panel the run was made on, for `countyhub analyze did` (aggregates by unit only)."""
    run = _run(request, county_slug, run_id)
    response = HttpResponse(run.panel_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{panel_filename(run)}"'
    return response
