"""Analysis pages of a county: datasets, PLS-SEM and before/after set-up, runs with their
progress and results. Analysts and county administrators only. Thin: parse, call a service,
render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.analyses import selectors, services
from countyhub.analyses.forms import (
    BeforeAfterForm,
    CPIForm,
    DatasetForm,
    PLSForm,
    WaveBeforeAfterForm,
)
from countyhub.analyses.models import AnalysisKind, AnalysisRun, CPISeries, Dataset
from countyhub.analyses.presentation import present
from countyhub.analyses.sources import DatasetMeta
from countyhub.core.jobs import job_progress, reap_if_stale
from countyhub.core.models import County, Role
from countyhub.core.permissions import is_county_admin, roles_in
from countyhub.surveys.models import Wave
from countyhub.surveys.selectors import current_submissions, money_years, questionnaire_constructs


def _county(request: HttpRequest, slug: str) -> County:
    county = get_object_or_404(County, slug=slug)
    if is_county_admin(request.user, county) or Role.ANALYST in roles_in(request.user, county):
        return county
    raise PermissionDenied


def _form_error(form: Any, error: services.AnalysesError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def index(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(request, county_slug)
    form = DatasetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            dataset = services.upload_dataset(
                county=county,
                actor=request.user,
                upload=services.DatasetInput(
                    name=data["name"],
                    filename=upload.name,
                    data=upload.read(),
                    constructs=data["constructs"],
                    reverse=data["reverse"],
                    scale=(data["scale_min"], data["scale_max"]),
                    missing_codes=data["missing_codes"],
                    money=data["money"],
                ),
            )
        except services.AnalysesError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Dataset uploaded."))
            return redirect("analyses:dataset", county.slug, dataset.pk)
    context = {
        "county": county,
        "form": form,
        "datasets": selectors.datasets(county),
        "runs": selectors.runs(county),
    }
    return render(request, "analyses/index.html", context, status=400 if form.errors else 200)


@login_required
def dataset_detail(request: HttpRequest, county_slug: str, dataset_id: int) -> HttpResponse:
    county = _county(request, county_slug)
    dataset = get_object_or_404(Dataset, pk=dataset_id, county=county)
    context = {
        "county": county,
        "dataset": dataset,
        "meta": DatasetMeta.from_json(dataset.metadata),
    }
    return render(request, "analyses/dataset.html", context)


def _save_cpi(
    request: HttpRequest, county: County, form: CPIForm, series: CPISeries | None
) -> CPISeries | None:
    data = form.cleaned_data
    upload = data.get("file")
    try:
        return services.save_cpi_series(
            county=county,
            actor=request.user,
            series=series,
            entry=services.CPIInput(
                name=data["name"],
                definition=data["definition"],
                base=data["base"],
                source=data["source"],
                values_text=data["values"],
                filename=upload.name if upload else "",
                data=upload.read() if upload else None,
            ),
        )
    except services.AnalysesError as error:
        _form_error(form, error)
        return None


@login_required
def cpi_list(request: HttpRequest, county_slug: str) -> HttpResponse:
    """The county's own CPI tables, and a new one (typed or uploaded)."""
    county = _county(request, county_slug)
    form = CPIForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        series = _save_cpi(request, county, form, None)
        if series is not None:
            messages.success(request, _("CPI table saved."))
            return redirect("analyses:cpi", county.slug, series.pk)
    context = {"county": county, "form": form, "tables": selectors.cpi_tables(county)}
    return render(request, "analyses/cpi_list.html", context, status=400 if form.errors else 200)


@login_required
def cpi_detail(request: HttpRequest, county_slug: str, series_id: int) -> HttpResponse:
    """One CPI table's values; the form replaces its description and all its values at once."""
    county = _county(request, county_slug)
    series = get_object_or_404(CPISeries, pk=series_id, county=county)
    values = list(series.values.all())
    initial = {
        "name": series.name,
        "definition": series.definition,
        "base": series.base,
        "source": series.source,
        "values": "\n".join(f"{v.year}: {v.index.normalize():f}" for v in values),
    }
    form = CPIForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = _save_cpi(request, county, form, series)
        if saved is not None:
            messages.success(request, _("CPI table saved."))
            return redirect("analyses:cpi", county.slug, saved.pk)
    context = {"county": county, "series": series, "values": values, "form": form}
    return render(request, "analyses/cpi.html", context, status=400 if form.errors else 200)


def _measurement_syntax(meta: DatasetMeta) -> str:
    return "".join(f"{name} =~ {' + '.join(items)}\n" for name, items in meta.constructs.items())


def _wave(county: County, wave_id: int) -> Wave:
    waves = Wave.objects.select_related("survey", "questionnaire")
    return get_object_or_404(waves, pk=wave_id, survey__county=county)


@login_required
def pls_setup(request: HttpRequest, county_slug: str, dataset_id: int) -> HttpResponse:
    county = _county(request, county_slug)
    dataset = get_object_or_404(Dataset, pk=dataset_id, county=county)
    meta = DatasetMeta.from_json(dataset.metadata)
    return _pls_setup(request, county, meta, dataset.name, dataset.rows, {"dataset": dataset})


@login_required
def wave_pls_setup(request: HttpRequest, county_slug: str, wave_id: int) -> HttpResponse:
    """The PLS-SEM set-up on a survey wave: its questionnaire's constructs preselected."""
    county = _county(request, county_slug)
    wave = _wave(county, wave_id)
    meta = DatasetMeta(constructs=questionnaire_constructs(wave.questionnaire))
    rows = current_submissions(wave=wave).count()
    return _pls_setup(request, county, meta, str(wave), rows, {"wave": wave})


def _pls_setup(
    request: HttpRequest,
    county: County,
    meta: DatasetMeta,
    source_name: str,
    rows: int,
    source: dict[str, Any],
) -> HttpResponse:
    form = PLSForm(request.POST or None, initial={"model_syntax": _measurement_syntax(meta)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.start_run(
                county=county,
                actor=request.user,
                **source,
                kind=AnalysisKind.PLS_SEM,
                model_syntax=data["model_syntax"],
                options={
                    "weighting": data["weighting"],
                    "missing": data["missing"],
                    "resamples": data["resamples"],
                    "p_min": data["p_min"],
                },
                seed=data["seed"],
            )
        except services.AnalysesError as error:
            _form_error(form, error)
        else:
            return redirect("analyses:run", county.slug, run.pk)
    context = {
        "county": county,
        **source,
        "source_name": source_name,
        "rows": rows,
        "meta": meta,
        "form": form,
        "sizes": selectors.sample_sizes(form["model_syntax"].value() or "", 0.2, rows),
    }
    return render(request, "analyses/pls_setup.html", context, status=400 if form.errors else 200)


@login_required
def before_after_setup(request: HttpRequest, county_slug: str, dataset_id: int) -> HttpResponse:
    county = _county(request, county_slug)
    dataset = get_object_or_404(Dataset, pk=dataset_id, county=county)
    meta = DatasetMeta.from_json(dataset.metadata)
    years = sorted(set(meta.money.values()))
    initial = {
        "year_before": years[0] if years else None,
        "year_after": years[-1] if years else None,
        "base_year": years[-1] if years else None,
    }
    form = BeforeAfterForm(request.POST or None, dataset=dataset, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.start_run(
                county=county,
                actor=request.user,
                dataset=dataset,
                kind=AnalysisKind.BEFORE_AFTER,
                options=form.options(),
                seed=0,
            )
        except services.AnalysesError as error:
            _form_error(form, error)
        else:
            return redirect("analyses:run", county.slug, run.pk)
    context = {
        "county": county,
        "dataset": dataset,
        "source_name": dataset.name,
        "meta": meta,
        "form": form,
    }
    return render(
        request, "analyses/before_after_setup.html", context, status=400 if form.errors else 200
    )


@login_required
def wave_before_after_setup(request: HttpRequest, county_slug: str, wave_id: int) -> HttpResponse:
    """Before/after on two waves paired by household, this wave preselected as the first."""
    county = _county(request, county_slug)
    wave = _wave(county, wave_id)
    years = money_years(wave.questionnaire)
    later = Wave.objects.filter(survey=wave.survey, year__gt=wave.year).order_by("year").first()
    form = WaveBeforeAfterForm(
        request.POST or None,
        wave=wave,
        money_years=years,
        initial={"wave": wave, "wave_after": later, "money": list(years)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            options = services.wave_before_after_options(
                data["wave"],
                data["wave_after"],
                data["money"],
                data["base_year"],
                cpi_choice=data["cpi"],
                poverty=data["poverty"],
                poverty_line=data["poverty_line"],
            )
            run = services.start_run(
                county=county,
                actor=request.user,
                wave=data["wave"],
                wave_after=data["wave_after"],
                kind=AnalysisKind.BEFORE_AFTER,
                options=options,
                seed=0,
            )
        except services.AnalysesError as error:
            _form_error(form, error)
        else:
            return redirect("analyses:run", county.slug, run.pk)
    context = {
        "county": county,
        "wave": wave,
        "source_name": str(wave),
        "meta": DatasetMeta(money=years),
        "form": form,
    }
    return render(
        request, "analyses/before_after_setup.html", context, status=400 if form.errors else 200
    )


def _run(request: HttpRequest, county_slug: str, analysis_id: int) -> AnalysisRun:
    county = _county(request, county_slug)
    runs = AnalysisRun.objects.select_related(
        "job", "dataset", "county", "wave__survey", "wave_after"
    )
    run = get_object_or_404(runs, pk=analysis_id, county=county)
    run.job = reap_if_stale(run.job)
    return run


@login_required
def run_detail(request: HttpRequest, county_slug: str, analysis_id: int) -> HttpResponse:
    run = _run(request, county_slug, analysis_id)
    context = {
        "county": run.county,
        "run": run,
        "job": run.job,
        "shown": present(run.kind, run.results),
        "sizes": selectors.sample_sizes(
            run.model_syntax,
            float(run.options.get("p_min", 0.2)),
            run.results.get("n") or (run.dataset.rows if run.dataset else 0),
        )
        if run.kind == AnalysisKind.PLS_SEM
        else None,
    }
    return render(request, "analyses/run.html", context)


@login_required
def run_progress(request: HttpRequest, county_slug: str, analysis_id: int) -> JsonResponse:
    job = _run(request, county_slug, analysis_id).job
    return JsonResponse(job_progress(job))


@login_required
@require_POST
def run_cancel(request: HttpRequest, county_slug: str, analysis_id: int) -> HttpResponse:
    run = _run(request, county_slug, analysis_id)
    services.cancel_run(run=run, actor=request.user)
    messages.info(request, _("Cancelling the run."))
    return redirect("analyses:run", run.county.slug, run.pk)


@login_required
@require_POST
def run_repeat(request: HttpRequest, county_slug: str, analysis_id: int) -> HttpResponse:
    run = _run(request, county_slug, analysis_id)
    try:
        again = services.repeat_run(run=run, actor=request.user)
    except services.AnalysesError as error:
        messages.error(request, error.message)
        return redirect("analyses:run", run.county.slug, run.pk)
    return redirect("analyses:run", run.county.slug, again.pk)


@login_required
def run_report(request: HttpRequest, county_slug: str, analysis_id: int, fmt: str) -> HttpResponse:
    run = _run(request, county_slug, analysis_id)
    name = f"{run.kind}-{run.county.slug}-run{run.pk}"
    if fmt == "pdf" and run.report_pdf:
        return FileResponse(
            run.report_pdf.open("rb"),
            as_attachment=True,
            filename=f"{name}.pdf",
            content_type="application/pdf",
        )
    if fmt == "html" and run.report_html:
        # A standalone page with its own <style>: handed over as a file, never shown inline
        # under this site's Content-Security-Policy.
        response = HttpResponse(run.report_html, content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.html"'
        return response
    raise Http404
