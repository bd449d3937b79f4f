"""Every API error is `{"code", "message", "field"}` (plus a code's own keys, e.g. `shortages`).

A service's `DomainError` gets the HTTP status of its code's kind; Django's and ninja's own
errors get codes here."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.params.models import BodyModel

from countyhub.core.api import ErrorOut
from countyhub.core.errors import DomainError, ErrorKind
from countyhub.core.json_input import JSONInputError
from countyhub.core.request_limits import too_large_message

STATUS = {
    ErrorKind.INVALID: 400,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNPROCESSABLE: 422,
}


def install(api: NinjaAPI) -> None:
    """Register the handlers that turn exceptions into error answers on `api`."""

    def answer(
        request: HttpRequest, status: int, code: str, message: str, field: str | None = None
    ) -> HttpResponse:
        return api.create_response(
            request, {"code": code, "message": message, "field": field}, status=status
        )

    def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        body = {"code": exc.code.value, "message": exc.message, "field": exc.field}
        return api.create_response(request, body | exc.details(), status=STATUS[exc.code.kind])

    def on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        field = _field_path(list(first.get("loc", ())))
        cause = first.get("ctx", {}).get("error") if first.get("type") == "value_error" else None
        message = str(cause) if cause else first.get("msg", _("Invalid input."))
        # The message names the place too: "lines[1].quantity: ..." tells which line.
        return answer(
            request, 422, "invalid_input", f"{field}: {message}" if field else message, field
        )

    def on_model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "error_dict"):
            field, messages = next(iter(exc.message_dict.items()))
            return answer(request, 400, "invalid", messages[0], field)
        return answer(request, 400, "invalid", exc.messages[0])

    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return answer(request, 404, "not_found", _("Not found."))

    def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return answer(request, 403, "forbidden", str(exc) or _("You may not do this."))

    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _("Log in: send Authorization: Bearer <token>.")
        return answer(request, 401, "unauthenticated", message, "Authorization")

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, JSONInputError):
            # ninja wraps whatever the parser raises as "Cannot parse request body".
            return answer(request, 400, "invalid_json", str(exc.__cause__), "body")
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        return answer(request, exc.status_code, code, str(exc))

    def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return answer(request, 413, "request_too_large", too_large_message())

    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(NinjaValidationError, on_invalid_input)
    api.add_exception_handler(DjangoValidationError, on_model_validation)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(AuthenticationError, on_unauthenticated)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(RequestDataTooBig, on_too_large)


def document_common_errors(router: Router) -> None:
    """Document on every operation of `router` the errors it can answer whatever it does: 413
    (the size limit, before any view), 401 when it needs a token (a wrong one is refused even
    where none is needed), 422 once it takes parameters, 400 once it parses a JSON body.

    Done on the router's own operations, before the API mounts (and so copies) them."""
    for view in router.path_operations.values():
        for operation in view.operations:
            statuses = {413}
            if operation.auth_param is not None:
                statuses.add(401)
            if operation.models:
                statuses.add(422)
            if any(issubclass(model, BodyModel) for model in operation.models):
                statuses.add(400)
            for status in sorted(statuses - operation.response_models.keys()):
                operation.response_models[status] = operation._create_response_model(ErrorOut)


def _field_path(location: list[Any]) -> str | None:
    """("body", <parameter name>, "lines", 0, "quantity") -> "lines[0].quantity"."""
    location = location[2:] if location[:1] == ["body"] and len(location) > 2 else location[1:]
    field = ""
    for part in location:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return field or None
