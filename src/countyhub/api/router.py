"""The JSON API: one NinjaAPI, each app's router mounted here, errors as {message, field}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from countyhub.api.auth import BearerAuth
from countyhub.catalog.api import router as catalog_router
from countyhub.catalog.households_api import router as households_router
from countyhub.core.api import router as auth_router
from countyhub.programs.api import router as programs_router
from countyhub.programs.errors import InvalidTransitionError as ProgramsTransitionError
from countyhub.programs.errors import ProgramsError
from countyhub.shop.api import router as shop_router
from countyhub.shop.errors import (
    IdempotencyConflictError,
    InsufficientStockError,
    InvalidTransitionError,
    ShopError,
)
from countyhub.trace.api import router as trace_router

api = NinjaAPI(
    title="countyhub API",
    version="1",
    description="Products, orders and stock of a county e-commerce public service center.",
    auth=BearerAuth(),
    urls_namespace="api",
)
api.add_router("/auth", auth_router)
api.add_router("/products", catalog_router)
api.add_router("/orders", shop_router)
api.add_router("/counties", households_router)
api.add_router("/programs", programs_router)
api.add_router("/trace", trace_router)


class ErrorOut(Schema):
    message: str
    field: str | None = None


def error(request: HttpRequest, status: int, message: str, field: str | None = None, **extra: Any):
    return api.create_response(
        request, {"message": message, "field": field, **extra}, status=status
    )


@api.exception_handler(NinjaValidationError)
def on_invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    # ("body", <parameter name>, "lines", 0, "quantity") -> "lines[0].quantity"
    location = list(first.get("loc", ()))
    location = location[2:] if location[:1] == ["body"] and len(location) > 2 else location[1:]
    field = ""
    for part in location:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return error(request, 422, first.get("msg", _("Invalid input.")), field or None)


@api.exception_handler(DjangoValidationError)
def on_model_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return error(request, 400, messages[0], field)
    return error(request, 400, exc.messages[0])


@api.exception_handler(ShopError)
def on_shop_error(request: HttpRequest, exc: ShopError) -> HttpResponse:
    if isinstance(exc, InsufficientStockError):
        shortages = [
            {
                "product_id": s.product_id,
                "product_name": s.product_name,
                "requested": format(s.requested.normalize(), "f"),
                "available": format(s.available.normalize(), "f"),
            }
            for s in exc.shortages
        ]
        return error(request, 409, exc.message, exc.field, shortages=shortages)
    if isinstance(exc, InvalidTransitionError):
        return error(request, 409, exc.message, exc.field)
    if isinstance(exc, IdempotencyConflictError):
        return error(request, 422, exc.message, exc.field)
    return error(request, 400, exc.message, exc.field)


@api.exception_handler(ProgramsError)
def on_programs_error(request: HttpRequest, exc: ProgramsError) -> HttpResponse:
    status = 409 if isinstance(exc, ProgramsTransitionError) else 400
    return error(request, status, exc.message, exc.field)


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error(request, 404, _("Not found."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error(request, 403, str(exc) or _("You may not do this."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, _("Log in: send Authorization: Bearer <token>."), "Authorization")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, str(exc))
