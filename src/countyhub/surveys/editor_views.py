"""Pages of the questionnaire editor, for the county's survey staff (administrators and
analysts, as the survey pages): the county's questionnaires with their XLSForm downloads, and a
draft's sections and questions, published as a new version through the XLSForm import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from countyhub.core.models import County
from countyhub.surveys import editor, services
from countyhub.surveys.errors import SurveyError, XLSFormError
from countyhub.surveys.export_job import XLSX
from countyhub.surveys.forms import DraftForm, QuestionForm, SectionForm, TitleForm
from countyhub.surveys.models import Questionnaire, QuestionnaireDraft
from countyhub.surveys.views import _survey_county
from countyhub.surveys.xlsform import export_xlsx


def _draft(request: HttpRequest, county_slug: str, draft_id: int) -> QuestionnaireDraft:
    county = _survey_county(request, county_slug)
    return get_object_or_404(
        QuestionnaireDraft.objects.select_related("county", "based_on"), pk=draft_id, county=county
    )


def _to_form(form: Any, error: SurveyError) -> None:
    problems = getattr(error, "problems", None)
    if isinstance(problems, dict):
        for name, message in problems.items():
            form.add_error(name if name in form.fields else None, message)
    else:
        form.add_error(error.field if error.field in form.fields else None, error.message)


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _list_page(
    request: HttpRequest, county: County, form: DraftForm, status: int = 200
) -> HttpResponse:
    questionnaires = (
        Questionnaire.objects.filter(county=county)
        .annotate(answers=Count("submissions"))
        .order_by("form_id", "-created_at")
    )
    drafts = QuestionnaireDraft.objects.filter(county=county).select_related("based_on")
    context = {"county": county, "questionnaires": questionnaires, "drafts": drafts, "form": form}
    return render(request, "surveys/questionnaires.html", context, status=status)


@login_required
@require_GET
def questionnaire_list(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _survey_county(request, county_slug)
    return _list_page(request, county, DraftForm())


@login_required
@require_POST
def draft_new(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _survey_county(request, county_slug)
    form = DraftForm(request.POST)
    if form.is_valid():
        try:
            draft = services.create_draft(actor=request.user, county=county, **form.cleaned_data)
        except SurveyError as error:
            _to_form(form, error)
        else:
            return redirect("surveys:draft", county.slug, draft.pk)
    return _list_page(request, county, form, status=400)


@login_required
@require_POST
def questionnaire_edit(
    request: HttpRequest, county_slug: str, questionnaire_id: int
) -> HttpResponse:
    """Open a published version in the editor (the form's draft, or a new one from it)."""
    county = _survey_county(request, county_slug)
    questionnaire = get_object_or_404(Questionnaire, pk=questionnaire_id, county=county)
    draft = services.draft_of(actor=request.user, questionnaire=questionnaire)
    if draft.based_on_id != questionnaire.pk:
        messages.info(
            request,
            _("The form %(form)s has one draft: it is opened, as it was last edited.")
            % {"form": draft.form_id},
        )
    return redirect("surveys:draft", county.slug, draft.pk)


@login_required
@require_GET
def questionnaire_xlsx(
    request: HttpRequest, county_slug: str, questionnaire_id: int
) -> HttpResponse:
    """The version's XLSForm: the uploaded workbook itself, or the sheets as a workbook."""
    county = _survey_county(request, county_slug)
    questionnaire = get_object_or_404(Questionnaire, pk=questionnaire_id, county=county)
    if questionnaire.source_name.lower().endswith(".xlsx"):
        content = bytes(questionnaire.source)
    else:
        content = export_xlsx(questionnaire.definition)
    return _xlsx(content, f"{questionnaire.form_id}-{questionnaire.version}")


def _draft_page(
    request: HttpRequest,
    draft: QuestionnaireDraft,
    *,
    section_form: SectionForm | None = None,
    title_form: TitleForm | None = None,
    problems: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "county": draft.county,
        "draft": draft,
        "outline": editor.outline(draft.definition),
        "section_form": section_form or SectionForm(),
        "title_form": title_form
        or TitleForm(initial={"title": draft.title, "title_en": draft.title_en}),
        "problems": problems,
        "kinds": editor.KINDS,
    }
    return render(request, "surveys/draft.html", context, status=status)


@login_required
@require_GET
def draft_detail(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    return _draft_page(request, _draft(request, county_slug, draft_id))


@login_required
@require_GET
def draft_xlsx(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    draft = _draft(request, county_slug, draft_id)
    return _xlsx(export_xlsx(draft.definition), f"{draft.form_id}-draft")


@login_required
@require_POST
def draft_title(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    draft = _draft(request, county_slug, draft_id)
    form = TitleForm(request.POST)
    if form.is_valid():
        try:
            services.retitle_draft(actor=request.user, draft=draft, **form.cleaned_data)
        except SurveyError as error:
            _to_form(form, error)
        else:
            return redirect("surveys:draft", draft.county.slug, draft.pk)
    return _draft_page(request, draft, title_form=form, status=400)


@login_required
@require_POST
def draft_section(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    draft = _draft(request, county_slug, draft_id)
    form = SectionForm(request.POST)
    if form.is_valid():
        try:
            services.add_section(actor=request.user, draft=draft, **form.cleaned_data)
        except SurveyError as error:
            _to_form(form, error)
        else:
            return redirect("surveys:draft", draft.county.slug, draft.pk)
    return _draft_page(request, draft, section_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def draft_question(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    """Add a question, or change the one named by ?name=."""
    draft = _draft(request, county_slug, draft_id)
    original = request.POST.get("original") or request.GET.get("name") or None
    sections = editor.sections(draft.definition)
    if request.method == "POST":
        form = QuestionForm(request.POST, sections=sections)
        if form.is_valid():
            try:
                services.save_question(
                    actor=request.user, draft=draft, question=form.question(), original=original
                )
            except SurveyError as error:
                _to_form(form, error)
            else:
                messages.success(request, _("The question is saved."))
                return redirect("surveys:draft", draft.county.slug, draft.pk)
        status = 400
    else:
        initial = {}
        if original is not None:
            try:
                initial = QuestionForm.initial_of(editor.question_of(draft.definition, original))
            except SurveyError as error:
                messages.error(request, error.message)
                return redirect("surveys:draft", draft.county.slug, draft.pk)
        elif request.GET.get("section"):
            initial = {"section": request.GET["section"]}
        form = QuestionForm(initial=initial, sections=sections)
        status = 200
    context = {"county": draft.county, "draft": draft, "form": form, "original": original}
    return render(request, "surveys/question.html", context, status=status)


def _step_back(request: HttpRequest, draft: QuestionnaireDraft, change: Any) -> HttpResponse:
    try:
        change()
    except SurveyError as error:
        messages.error(request, error.message)
    return redirect("surveys:draft", draft.county.slug, draft.pk)


@login_required
@require_POST
def draft_move(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    draft = _draft(request, county_slug, draft_id)
    step = -1 if request.POST.get("step") == "up" else 1
    name = request.POST.get("name", "")
    return _step_back(
        request,
        draft,
        lambda: services.move_question(actor=request.user, draft=draft, name=name, step=step),
    )


@login_required
@require_POST
def draft_delete(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    draft = _draft(request, county_slug, draft_id)
    name = request.POST.get("name", "")
    return _step_back(
        request, draft, lambda: services.delete_question(actor=request.user, draft=draft, name=name)
    )


@login_required
@require_POST
def draft_publish(request: HttpRequest, county_slug: str, draft_id: int) -> HttpResponse:
    draft = _draft(request, county_slug, draft_id)
    try:
        questionnaire = services.publish_draft(actor=request.user, draft=draft)
    except XLSFormError as error:
        return _draft_page(request, draft, problems=error.problems, status=400)
    except SurveyError as error:
        problem = {"sheet": "-", "row": "", "column": "", "message": error.message}
        return _draft_page(request, draft, problems=[problem], status=400)
    messages.success(
        request,
        _("Published as version %(version)s of %(form)s.")
        % {"version": questionnaire.version, "form": questionnaire.form_id},
    )
    return redirect("surveys:questionnaires", draft.county.slug)
