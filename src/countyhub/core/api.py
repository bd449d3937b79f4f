"""What every app's API router needs: bearer-token authentication and the error schema; the
token endpoints; and the background jobs an API call queued (``jobs_router``, issue 19).
countyhub.api mounts the routers and turns errors into responses."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, cast

from annotated_types import Ge, Le
from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from countyhub.core import jobs, throttle
from countyhub.core.forms import wait_message
from countyhub.core.models import Job, JobStatus
from countyhub.core.selectors import tokens_of
from countyhub.core.services import (
    issue_api_token,
    revoke_api_token,
    token_for_key,
    user_for_token,
)

# A row id sent to the API: past what an id column holds (BigAutoField: signed 64 bits) it would
# reach the database as an overflow, a server error; bounded, it is a 422 like any bad input.
Id = Annotated[int, Ge(1), Le(2**63 - 1)]


def column_length(model: type[Model], field: str) -> int | None:
    """The column's length, as an input's max_length: longer text is refused as input (422),
    never left to fail in the database (PostgreSQL's DataError, a server error)."""
    return cast(int | None, model._meta.get_field(field).max_length)


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


class OptionalBearerAuth(BearerAuth):
    """No header: an anonymous reader. A header with a bad token: 401, never silently anonymous."""

    def __call__(self, request: HttpRequest) -> Any | None:
        if not request.headers.get("Authorization"):
            request.user = AnonymousUser()
            return request.user
        return super().__call__(request)


class ErrorOut(Schema):
    """Every error answer: a stable code for programs, a message for people, the field at fault.
    Some codes bring more keys (insufficient_stock: `shortages`; invalid_document: `problems`)."""

    code: str = Field(..., examples=["insufficient_stock", "invalid_input", "not_found"])
    message: str
    field: str | None = Field(None, examples=["lines[0].quantity"])


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """`response={200: X, **errors(404, 409)}`: the error answers an operation documents."""
    return dict.fromkeys(statuses, ErrorOut)


router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class TokenInfoOut(Schema):
    """A token as its owner sees it in a list: never the key, only how it starts."""

    id: int
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    expires_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


@router.post("/token", auth=None, response={200: TokenOut, **errors(401, 422, 429)})
def create_token(request: HttpRequest, credentials: Credentials) -> dict[str, str]:
    address = throttle.client_address(request)
    verdict = throttle.check_login(username=credentials.username, address=address)
    if not verdict.allowed:
        raise HttpError(429, wait_message(verdict.wait_seconds))
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        throttle.record_login_failure(username=credentials.username, address=address)
        raise HttpError(401, _("Wrong username or password."))
    throttle.record_login_success(username=credentials.username, address=address)
    return {"token": issue_api_token(user=user)}


@router.delete("/token", auth=BearerAuth(), response={204: None, **errors(401)})
def revoke_token(request: HttpRequest) -> Status:
    """Log out: the token this request carries stops working."""
    key = request.headers.get("Authorization", "").partition(" ")[2].strip()
    token = token_for_key(key)
    if token is not None:
        revoke_api_token(actor=request.user, token=token, because="revoked_by_owner")
    return Status(204, None)


@router.get("/tokens", auth=BearerAuth(), response={200: list[TokenInfoOut], **errors(401)})
def list_tokens(request: HttpRequest) -> list[Any]:
    """The caller's tokens, newest first, revoked and expired ones included."""
    return list(tokens_of(request.user))


jobs_router = Router(tags=["jobs"])


class JobProgressOut(Schema):
    done: int
    total: int


class JobOut(Schema):
    """A background job as its user follows it: poll until ``status`` is succeeded, failed or
    cancelled; ``result`` is what the job made (a payout run's id), ``file_url`` its file."""

    id: int
    kind: str
    status: str = Field(..., examples=["queued", "running", "succeeded", "failed", "cancelled"])
    progress: JobProgressOut
    message: str
    error: str
    result: dict[str, Any]
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    file_url: str | None


def job_url(job: Job) -> str:
    """Where the API follows a job: the ``Location`` of an answer 202 Accepted."""
    return reverse("api:get_job", args=[job.pk])


def job_out(job: Job) -> dict[str, Any]:
    has_file = job.status == JobStatus.SUCCEEDED and bool(job.output_file)
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": {"done": job.done, "total": job.total},
        "message": job.message,
        "error": job.error,
        "result": job.result,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "file_url": reverse("api:get_job_file", args=[job.pk]) if has_file else None,
    }


@jobs_router.get("/{job_id}", response={200: JobOut, **errors(401, 404)})
def get_job(request: HttpRequest, job_id: Id) -> dict[str, Any]:
    """A job queued by an API call answered 202 Accepted (its ``Location``)."""
    return job_out(jobs.own_job(request.user, job_id))


@jobs_router.get(
    "/{job_id}/file",
    response={200: None, **errors(401, 404)},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file the job made, as an attachment.",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_job_file(request: HttpRequest, job_id: Id) -> FileResponse:
    """The file a succeeded job made (a label sheet, a report), under the name it was given."""
    return jobs.job_file_response(jobs.own_job(request.user, job_id))
