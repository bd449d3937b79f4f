"""The API answers in JSON even where ninja answers itself: a method a path does not take."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


class JsonMethodNotAllowedMiddleware:
    """ninja's 405 is plain text ("Method not allowed"); an API client gets the error JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith("/api/"):
            return response
        allowed = response.get("Allow", "")
        message = _("This address does not take %(method)s; it takes %(allowed)s.") % {
            "method": request.method,
            "allowed": allowed,
        }
        answer = JsonResponse(
            {"code": "method_not_allowed", "message": message, "field": None}, status=405
        )
        answer["Allow"] = allowed
        return answer
