"""Requests too large to read: 413 with a message, before any view reads the body; paths with
NUL: 404; a request that meets a full disk (an upload, an export): 507 with a message, after the
view's transaction rolled back, so nothing half-saved stays.

A body over settings.COUNTYHUB_MAX_REQUEST_BYTES (by its Content-Length) is refused at once; a
body Django itself refuses to hold (RequestDataTooBig, over DATA_UPLOAD_MAX_MEMORY_SIZE without
being a file upload) gets the same answer instead of a bare 400. The API answers as JSON
{"code", "message", "field"}, the site with a page."""

from __future__ import annotations

import errno
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
# No space left, or the user's quota spent: both are "the disk is full" to the person.
DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def too_large_message() -> str:
    megabytes = f"{settings.COUNTYHUB_MAX_REQUEST_BYTES / 2**20:.1f}".removesuffix(".0")
    return _("The request is too large: at most %(size)s MB.") % {"size": megabytes}


def too_large(request: HttpRequest) -> HttpResponse:
    """The 413 answer, as the API's JSON error under /api/, as a page elsewhere."""
    message = too_large_message()
    if request.path.startswith("/api/"):
        body = {"code": "request_too_large", "message": message, "field": None}
        return JsonResponse(body, status=413)
    return render(request, "request_too_large.html", {"message": message}, status=413)


def disk_full(request: HttpRequest, error: OSError) -> HttpResponse:
    """The 507 answer, told to the administrators by the error log."""
    logger.error("disk full while answering %s %s: %s", request.method, request.path, error)
    message = _(
        "The server's disk is full, so nothing was saved. Try again later; the administrators "
        "have been told."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "disk_full", "message": message, "field": None}, status=507)
    return render(request, "disk_full.html", {"message": message}, status=507)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.COUNTYHUB_MAX_REQUEST_BYTES:
            return too_large(request)
        if "\x00" in request.path:
            # No page or row is named with NUL, and PostgreSQL refuses to even compare it.
            if request.path.startswith("/api/"):
                body = {"code": "not_found", "message": _("Not found."), "field": None}
                return JsonResponse(body, status=404)
            raise Http404
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large(request)
        if isinstance(exception, OSError) and exception.errno in DISK_FULL:
            return disk_full(request, exception)
        return None
