"""What an operator reads when something goes wrong on several machines: one id per request,
carried into the log lines it causes and into the background jobs it starts, and logs as JSON
lines a collector can index (`COUNTYHUB_LOG_FORMAT`, JSON unless the site runs in debug mode),
and the last errors kept in the database for the administrators' page of recent errors."""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy in front (nginx's $request_id) is kept when it looks like one; anything
# else (too long, odd characters that would forge log fields) is replaced.
_ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def current_request_id() -> str:
    return _request_id.get()


@contextmanager
def request_id_bound(request_id: str) -> Iterator[None]:
    """Log lines written inside the block carry `request_id` (a job run for that request)."""
    token = _request_id.set(request_id)
    try:
        yield
    finally:
        _request_id.reset(token)


class RequestIdMiddleware:
    """Gives each request an id, answers with it in `X-Request-ID`, and binds it for logging."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _ACCEPTED_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        with request_id_bound(request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (empty outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class ErrorRecordHandler(logging.Handler):
    """Keeps each ERROR record in the database (``ErrorRecord``), the last
    ``ERROR_RECORDS_KEPT`` of them. Never raises and never logs: an error while recording an
    error (the database itself down, a transaction already broken) is dropped, the console
    handler has the record anyway."""

    # A record this handler causes (its own query failing) must not come back to it.
    _busy = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._busy, "active", False) or connection.needs_rollback:
            return
        self._busy.active = True
        try:
            self._store(record)
        except Exception:  # see the class doc: recording an error never fails the caller
            pass
        finally:
            self._busy.active = False

    def _store(self, record: logging.LogRecord) -> None:
        from countyhub.core.models import ErrorRecord

        request = getattr(record, "request", None)
        kind, error, trace = record.exc_info or (None, None, None)
        user = getattr(request, "user", None)
        ErrorRecord.objects.create(
            level=record.levelname[:10],
            logger=record.name[:100],
            message=record.getMessage()[:4000],
            exception=f"{kind.__module__}.{kind.__qualname__}"[:200] if kind else "",
            traceback="".join(traceback.format_exception(kind, error, trace))[-20000:]
            if kind
            else "",
            request_id=getattr(record, "request_id", "") or current_request_id(),
            method=(getattr(request, "method", "") or "")[:10],
            path=(getattr(request, "path", "") or "")[:500],
            status_code=getattr(record, "status_code", None),
            username=(user.get_username() if user is not None and user.is_authenticated else "")[
                :150
            ],
        )
        kept = settings.ERROR_RECORDS_KEPT
        newest = ErrorRecord.objects.order_by("-pk").values_list("pk", flat=True)
        cutoff = newest[kept : kept + 1].first()
        if cutoff is not None:
            ErrorRecord.objects.filter(pk__lte=cutoff).delete()
