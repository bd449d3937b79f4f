"""countyhub's own phone page for enumerators: the county's collecting questionnaires as forms.
The page's script (static surveys/collect.js) makes the instanceID and the submission XML, keeps
answers on the device until the server confirms, and posts them here with the session and the
CSRF header; the answer goes through the same service as an OpenRosa submission."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog.models import Household
from countyhub.core.models import County
from countyhub.surveys import selectors
from countyhub.surveys.errors import SurveyError
from countyhub.surveys.models import Question
from countyhub.surveys.openrosa import STATUS, max_submission_bytes, may_collect
from countyhub.surveys.services import assigned_village_ids, receive_enumerator_submission

# How each question type is asked on the page; others (media, locations) are left to ODK Collect.
WIDGETS = {
    "select_one": "choice",
    "integer": "number",
    "decimal": "number",
    "range": "number",
    "text": "text",
}


def _collector_county(request: HttpRequest, slug: str) -> County:
    county = get_object_or_404(County, slug=slug)
    if not may_collect(request.user, county):
        raise PermissionDenied
    return county


def _label(zh: str, en: str) -> str:
    return en or zh if (get_language() or "").startswith("en") else zh or en


def _field(question: Question) -> dict[str, Any] | None:
    widget = WIDGETS.get(question.type)
    if widget is None:
        return None
    if question.household:
        widget = "household"
    elif question.money_year:
        widget = "money"
    elif widget == "choice" and question.scale_min is not None:
        widget = "likert"
    return {
        "question": question,
        "widget": widget,
        "label": _label(question.label_zh, question.label_en) or question.name,
        "step": "1" if question.type == "integer" else "any",
        "choices": [
            {"name": c["name"], "label": _label(c["label_zh"], c["label_en"]) or c["name"]}
            for c in question.choices
        ],
    }


@login_required
def collect(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _collector_county(request, county_slug)
    villages = assigned_village_ids(request.user, county)
    households = Household.objects.filter(county=county).select_related("village")
    if villages:
        households = households.filter(village_id__in=villages)
    forms = []
    for questionnaire in selectors.collecting_questionnaires(county):
        questions = list(questionnaire.questions.order_by("position"))
        fields = [f for f in map(_field, questions) if f is not None]
        root = questions[0].path.split("/")[1] if questions else "data"
        forms.append({"questionnaire": questionnaire, "fields": fields, "root": root})
    context = {
        "county": county,
        "forms": forms,
        # Only the id and village: the interviewer meets the household, the page needs no name.
        "households": households.order_by("village__name", "pk"),
    }
    return render(request, "surveys/collect.html", context)


@login_required
def collect_worker(request: HttpRequest, county_slug: str) -> HttpResponse:
    """The page's service worker, served under the page so that its scope covers it."""
    county = _collector_county(request, county_slug)
    response = render(
        request,
        "surveys/collect-sw.js",
        {"county": county},
        content_type="text/javascript; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_POST
def collect_submit(request: HttpRequest, county_slug: str) -> HttpResponse:
    """The body is the submission XML. 201 for a new answer and for the same one again."""
    county = _collector_county(request, county_slug)
    if len(request.body) > max_submission_bytes():
        return JsonResponse({"error": _("The answer is too large.")}, status=400)
    try:
        answer, created = receive_enumerator_submission(
            county=county, enumerator=request.user, xml=request.body
        )
    except SurveyError as error:
        return JsonResponse(
            {"error": error.message, "code": error.code.value}, status=STATUS[error.code.kind]
        )
    return JsonResponse({"instance_id": answer.instance_id, "created": created}, status=201)
