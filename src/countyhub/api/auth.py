"""Bearer-token authentication for the API; an optional variant for public reads."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer

from countyhub.core.services import user_for_token


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
