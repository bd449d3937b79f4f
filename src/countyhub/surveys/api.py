"""Answers of a form, for the county's analysts and administrators (bearer token)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from countyhub.core.api import errors
from countyhub.core.models import Role
from countyhub.core.permissions import is_county_admin, may_see_households, roles_in
from countyhub.surveys import selectors
from countyhub.surveys.models import Questionnaire

router = Router(tags=["surveys"])


class SubmissionOut(Schema):
    instance_id: str
    version: str
    wave: str | None
    # The registered household's id; only for roles that may see household data.
    household_id: int | None
    linked: bool
    answers: dict[str, Any]
    attachments: list[str]
    received_at: str


class SubmissionPage(Schema):
    form_id: str
    count: int
    items: list[SubmissionOut]


class SubmissionFilters(Schema):
    limit: int = Field(500, ge=1, le=5000)
    offset: int = Field(0, ge=0)


@router.get(
    "/forms/{form_id}/submissions", response={200: SubmissionPage, **errors(401, 403, 404, 422)}
)
def list_submissions(
    request: HttpRequest, form_id: str, filters: Query[SubmissionFilters]
) -> dict[str, Any]:
    """Current answers (an edited answer appears once, as edited), oldest first."""
    questionnaire = Questionnaire.objects.filter(form_id=form_id).select_related("county").first()
    if questionnaire is None:
        raise Http404
    county = questionnaire.county
    if not (
        is_county_admin(request.user, county) or Role.ANALYST in roles_in(request.user, county)
    ):
        raise PermissionDenied(
            _("Survey answers are for the county's analysts and administrators.")
        )
    personal = may_see_households(request.user, county)
    answers = (
        selectors.current_submissions(form_id=form_id, county=county)
        .select_related("questionnaire", "wave")
        .prefetch_related("attachments")
        .order_by("pk")
    )
    page = answers[filters.offset : filters.offset + filters.limit]
    return {
        "form_id": form_id,
        "count": answers.count(),
        "items": [
            {
                "instance_id": s.instance_id,
                "version": s.questionnaire.version,
                "wave": s.wave.label if s.wave else None,
                "household_id": s.household_id if personal else None,
                "linked": s.household_id is not None,
                "answers": s.answers,
                "attachments": [a.name for a in s.attachments.all()],
                "received_at": s.created_at.isoformat(),
            }
            for s in page
        ],
    }
