"""What every app's API router needs: bearer-token authentication and the error schema; and
the token endpoint. countyhub.api mounts the routers and turns errors into responses."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer

from countyhub.core.services import issue_api_token, user_for_token
from countyhub.core.throttle import clear_login_failures, login_blocked, record_login_failure


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


@router.post("/token", auth=None, response={200: TokenOut, **errors(401, 422, 429)})
def create_token(request: HttpRequest, credentials: Credentials) -> dict[str, str]:
    address = request.META.get("REMOTE_ADDR", "")
    if login_blocked(username=credentials.username, address=address):
        raise HttpError(429, _("Too many failed log-ins; try again in 15 minutes."))
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        record_login_failure(username=credentials.username, address=address)
        raise HttpError(401, _("Wrong username or password."))
    clear_login_failures(username=credentials.username, address=address)
    return {"token": issue_api_token(user=user)}
