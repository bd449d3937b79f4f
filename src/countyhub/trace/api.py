"""Trace API: a user's batches, EPCIS export (batch or date range), EPCIS 2.0's query of events
page by page (``/events``) and import: all or nothing at once for a small document (``POST
/epcis``), in the background for any (EPCIS 2.0's capture interface, ``/capture``, through the
import job of the upload page, all or nothing or of the valid events; issue 19)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Query, Router, Schema, Status
from pydantic import AwareDatetime

from countyhub.core import import_jobs, jobs
from countyhub.core.api import ErrorOut, Id, errors
from countyhub.core.jobs import own_job
from countyhub.core.json_input import JSONInputError, parse_json
from countyhub.core.models import Job, JobStatus
from countyhub.core.numbers import plain_number
from countyhub.gs1.cbv import EventType
from countyhub.gs1.errors import Problem
from countyhub.trace import exchange, import_job, policies, selectors
from countyhub.trace.errors import DocumentRejectedError
from countyhub.trace.exchange import ErrorBehaviour
from countyhub.trace.identifiers import lot_uri
from countyhub.trace.models import Batch, TraceEvent

router = Router(tags=["trace"])

# The versions of EPCIS and CBV this interface speaks (GS1-EPCIS-Version, GS1-CBV-Version).
EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
# A page token of GET /events is signed with the secret key under this salt.
PAGE_TOKEN_SALT = "countyhub.trace.api.events"


class BatchOut(Schema):
    id: int
    gtin: str
    lot: str
    product_id: int
    seller_id: int
    quantity: str
    unit: str
    shipped_quantity: str
    production_date: datetime.date | None
    expiry_date: datetime.date | None
    plot: str
    event_count: int
    digital_link: str


class ImportOut(Schema):
    imported: int
    event_ids: list[str]


class ProblemOut(Schema):
    index: int | None
    field: str
    message: str


class DocumentErrorOut(ErrorOut):
    problems: list[ProblemOut] = Field(
        [], description="With code invalid_document: every problem (event index, field)."
    )


def _batch_out(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "gtin": batch.gtin,
        "lot": batch.lot,
        "product_id": batch.product_id,
        "seller_id": batch.seller_id,
        "quantity": plain_number(batch.quantity),
        "unit": batch.unit,
        "shipped_quantity": plain_number(batch.shipped_quantity),
        "production_date": batch.production_date,
        "expiry_date": batch.expiry_date,
        "plot": batch.plot,
        "event_count": batch.event_count,
        "digital_link": lot_uri(batch),
    }


@router.get("/batches", response={200: list[BatchOut], **errors(401)})
def list_batches(request: HttpRequest) -> list[dict[str, Any]]:
    return [_batch_out(b) for b in selectors.batches_visible_to(request.user).order_by("pk")]


def _visible_batch(request: HttpRequest, batch_id: Id) -> Batch:
    batch = Batch.objects.filter(pk=batch_id).select_related("county").first()
    if batch is None or not policies.may_view(request.user, batch):
        raise Http404  # another seller's batch is not even confirmed to exist
    return batch


@router.get("/batches/{batch_id}/epcis", response={200: dict[str, Any], **errors(401, 404)})
def export_batch(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    """The batch's events as an EPCIS 2.0 JSON-LD EPCISDocument."""
    batch = _visible_batch(request, batch_id)
    return selectors.export_document(batch.events.order_by("sequence"))


@router.get("/epcis", response={200: dict[str, Any], **errors(401, 413, 422)})
def export_range(
    request: HttpRequest, since: datetime.date | None = None, until: datetime.date | None = None
) -> Any:
    """Events of the user's batches with an event time in [since, until] (local dates), at most
    ``COUNTYHUB_EPCIS_SYNC_EVENTS`` of them: more are refused (413), to be paged through with
    ``GET /api/trace/events`` or exported by the back office's background export."""
    events = selectors.events_between(
        selectors.batches_visible_to(request.user), since=since, until=until
    )
    count, limit = selectors.event_count(events), settings.COUNTYHUB_EPCIS_SYNC_EVENTS
    if count > limit:
        message = _(
            "The range holds %(count)d events, more than the %(limit)d this call exports while "
            "you wait. Page through them with GET %(events)s, or export them in the background "
            "from %(export)s."
        ) % {
            "count": count,
            "limit": limit,
            "events": reverse("api:query_events"),
            "export": reverse("trace:export_range"),
        }
        return Status(413, {"code": "too_many_events", "message": message, "field": None})
    return selectors.export_document(events)


class EventQueryIn(Schema):
    """A SimpleEventQuery's parameters, by their EPCIS 2.0 names."""

    since: AwareDatetime | None = Field(None, alias="GE_eventTime")
    before: AwareDatetime | None = Field(None, alias="LT_eventTime")
    event_type: EventType | None = Field(None, alias="eventType")
    biz_step: str | None = Field(None, alias="EQ_bizStep", max_length=500)
    per_page: int = Field(30, alias="perPage", ge=1, le=1000)
    page_token: str | None = Field(None, alias="nextPageToken", max_length=2000)


def _page_filters(query: selectors.EventQuery) -> list[str | None]:
    """The query's filters as a page token carries them (times as UTC instants)."""
    times = [
        None if moment is None else moment.astimezone(datetime.UTC).isoformat()
        for moment in (query.since, query.before)
    ]
    return [*times, query.event_type, query.biz_step]


def _page_token(request: HttpRequest, query: selectors.EventQuery, last: TraceEvent) -> str:
    """The opaque, signed token of the page after `last`: the keyset (event time, id), the
    query's filters and the user, so that it serves only the query that made it."""
    payload = {
        "user": request.user.pk,
        "filters": _page_filters(query),
        "after": [last.event_time.astimezone(datetime.UTC).isoformat(), last.pk],
    }
    return signing.dumps(payload, salt=PAGE_TOKEN_SALT)


class PageTokenError(Exception):
    """A page token that does not serve this query; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _page_after(
    request: HttpRequest, query: selectors.EventQuery, token: str
) -> tuple[datetime.datetime, int]:
    """The keyset a page token carries; PageTokenError if it is expired, was altered or was
    made by another query or user."""
    try:
        payload = signing.loads(
            token, salt=PAGE_TOKEN_SALT, max_age=settings.COUNTYHUB_EPCIS_PAGE_TOKEN_SECONDS
        )
    except signing.SignatureExpired as error:
        message = _("The page token has expired: query again from the first page.")
        raise PageTokenError(message) from error
    except signing.BadSignature as error:
        raise PageTokenError(_("The page token is not valid.")) from error
    if payload.get("user") != request.user.pk or payload.get("filters") != _page_filters(query):
        raise PageTokenError(
            _("The page token belongs to another query: send the filters it was made with.")
        )
    moment, pk = payload["after"]
    return datetime.datetime.fromisoformat(moment), pk


@router.get("/events", response={200: dict[str, Any], **errors(401, 422)})
def query_events(
    request: HttpRequest, response: HttpResponse, parameters: Query[EventQueryIn]
) -> Any:
    """EPCIS 2.0's SimpleEventQuery over the events of the user's batches, as an
    EPCISQueryDocument, ordered by event time: ``GE_eventTime`` and ``LT_eventTime`` (ISO 8601
    with an offset), ``eventType``, ``EQ_bizStep``, ``perPage`` events a page (at most 1000).
    While more remain, the answer's ``Link: <...>; rel="next"`` header gives the next page's
    URL with its ``nextPageToken`` (which serves the same filters only, and expires at
    ``GS1-Next-Page-Token-Expires``); each event comes once in a walk over the pages."""
    per_page, page_token = parameters.per_page, parameters.page_token
    query = selectors.EventQuery(
        since=parameters.since,
        before=parameters.before,
        event_type=parameters.event_type.value if parameters.event_type else None,
        biz_step=parameters.biz_step,
    )
    try:
        after = None if page_token is None else _page_after(request, query, page_token)
    except PageTokenError as error:
        return Status(
            422, {"code": "invalid_page_token", "message": error.message, "field": "nextPageToken"}
        )
    visible = selectors.batches_visible_to(request.user)
    events = selectors.events_page(visible, query, after=after, limit=per_page + 1)
    page = events[:per_page]
    if len(events) > per_page:
        following = request.GET.copy()
        following["nextPageToken"] = _page_token(request, query, page[-1])
        response["Link"] = f'<{reverse("api:query_events")}?{following.urlencode()}>; rel="next"'
        expires = timezone.now().replace(microsecond=0) + datetime.timedelta(
            seconds=settings.COUNTYHUB_EPCIS_PAGE_TOKEN_SECONDS
        )
        response["GS1-Next-Page-Token-Expires"] = expires.astimezone(datetime.UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    return selectors.query_document(page)


def _check_importer(request: HttpRequest, county_id: int) -> None:
    """Sellers' staff and the county's administrators import documents into its batches."""
    if not policies.seller_ids_of(request.user) and not policies.is_county_admin(
        request.user, county_id
    ):
        raise PermissionDenied


def _document(request: HttpRequest) -> Any:
    try:
        return parse_json(request.body or b"null")
    except JSONInputError as error:
        raise DocumentRejectedError([Problem(None, "body", str(error))]) from error


def _event_count(document: Any) -> int:
    """How many events the document holds; a document of another shape is left to the
    import's validation, which names what is wrong with it."""
    body = document.get("epcisBody") if isinstance(document, dict) else None
    events = body.get("eventList") if isinstance(body, dict) else None
    return len(events) if isinstance(events, list) else 0


@router.post(
    "/epcis",
    response={201: ImportOut, **errors(401, 403, 413), 422: DocumentErrorOut},
)
def import_epcis(request: HttpRequest, county_id: Id) -> Any:
    """Import an EPCISDocument (the request body) into the county's batches, all or nothing:
    422 with every problem (event index, field, message) and nothing stored. A document of
    more than ``COUNTYHUB_EPCIS_SYNC_EVENTS`` events is refused (413): send it to
    ``POST /api/trace/capture``, which imports it in the background."""
    _check_importer(request, county_id)
    document = _document(request)
    count, limit = _event_count(document), settings.COUNTYHUB_EPCIS_SYNC_EVENTS
    if count > limit:
        message = _(
            "The document holds %(count)d events, more than the %(limit)d this call imports "
            "while you wait; nothing was imported. Send it to POST %(capture)s, which imports "
            "it in the background."
        ) % {"count": count, "limit": limit, "capture": reverse("api:capture")}
        return Status(
            413, {"code": "too_many_events", "message": message, "field": "epcisBody.eventList"}
        )
    rows = exchange.import_document(actor=request.user, county_id=county_id, document=document)
    return Status(201, {"imported": len(rows), "event_ids": [row.event_id for row in rows]})


class CaptureJobOut(Schema):
    """A capture job as EPCIS 2.0 describes it (EPCISCaptureJob): the document is imported
    whole or not at all (``captureErrorBehaviour`` "rollback"), or every valid event of it
    ("proceed"); ``success`` is true once every event is stored, ``errors`` names every problem
    of a refused document, or of the events a "proceed" capture refused."""

    captureID: str  # noqa: N815  (EPCIS 2.0's names)
    createdAt: datetime.datetime  # noqa: N815
    finishedAt: datetime.datetime | None  # noqa: N815
    running: bool
    success: bool
    captureErrorBehaviour: str = Field(..., examples=["rollback", "proceed"])  # noqa: N815
    errors: list[ProblemOut]


def _capture_job(job: Job) -> dict[str, Any]:
    failed = job.status in (JobStatus.FAILED, JobStatus.CANCELLED)
    succeeded = job.status == JobStatus.SUCCEEDED
    # A finished job's own problems (a running retry's result may still hold an earlier one's).
    problems = job.result.get(import_job.PROBLEMS) if failed or succeeded else None
    if problems is None:
        problems = (
            [{"index": None, "field": "", "message": job.error or job.message}] if failed else []
        )
    return {
        "captureID": str(job.pk),
        "createdAt": job.created_at,
        "finishedAt": job.finished_at,
        "running": not job.finished,
        "success": succeeded and not problems,
        "captureErrorBehaviour": import_job.error_behaviour(job).value,
        "errors": problems,
    }


def _capture_limits(response: HttpResponse) -> None:
    """EPCIS 2.0's capture limits: events a document, bytes a body (the upload pages')."""
    response["GS1-EPCIS-Capture-Limit"] = str(settings.COUNTYHUB_EPCIS_CAPTURE_EVENTS)
    response["GS1-EPCIS-Capture-File-Size-Limit"] = str(import_jobs.MAX_UPLOAD_BYTES)


@router.api_operation(["OPTIONS"], "/capture", response={204: None, **errors(401)})
def capture_options(request: HttpRequest, response: HttpResponse) -> Status:
    """EPCIS 2.0's discovery of the capture interface: the methods it takes, the EPCIS and CBV
    versions, the most events and bytes a capture takes, the error behaviours it offers."""
    response["Allow"] = "OPTIONS, GET, POST"
    response["GS1-EPCIS-Version"] = EPCIS_VERSION
    response["GS1-CBV-Version"] = CBV_VERSION
    _capture_limits(response)
    response["GS1-Capture-Error-Behaviour"] = ", ".join(ErrorBehaviour)
    return Status(204, None)


@router.post(
    "/capture", response={202: CaptureJobOut, **errors(401, 403, 413), 422: DocumentErrorOut}
)
def capture(
    request: HttpRequest,
    response: HttpResponse,
    county_id: Id,
    error_behaviour: Annotated[
        ErrorBehaviour,
        Header(
            alias="GS1-Capture-Error-Behaviour",
            description="rollback: store every event or none; proceed: every valid one.",
        ),
    ] = ErrorBehaviour.ROLLBACK,
) -> Any:
    """EPCIS 2.0 capture: queue the import of an EPCISDocument (the request body) into the
    county's batches; answers 202 with the capture job's ``Location``, which says when every
    event is stored, or every problem with nothing stored (``GS1-Capture-Error-Behaviour:
    rollback``, the default), or what was stored and the problems of the events refused
    (``proceed``). A body that is not JSON is refused at once (422), one of more than
    ``GS1-EPCIS-Capture-Limit`` events or ``GS1-EPCIS-Capture-File-Size-Limit`` bytes too (413)."""
    _check_importer(request, county_id)
    upload = SimpleUploadedFile("capture.jsonld", request.body, "application/ld+json")
    too_large = import_jobs.upload_too_large(upload)  # the upload page's limit
    if too_large:
        _capture_limits(response)
        return Status(413, {"code": "request_too_large", "message": too_large, "field": None})
    count, limit = _event_count(_document(request)), settings.COUNTYHUB_EPCIS_CAPTURE_EVENTS
    if count > limit:
        message = _(
            "The document holds %(count)d events, more than the %(limit)d a capture takes; "
            "nothing was queued. Split it into smaller documents."
        ) % {"count": count, "limit": limit}
        _capture_limits(response)
        return Status(
            413, {"code": "too_many_events", "message": message, "field": "epcisBody.eventList"}
        )
    job = import_job.start(
        actor=request.user, county_id=county_id, upload=upload, error_behaviour=error_behaviour
    )
    response["Location"] = reverse("api:capture_job", args=[job.pk])
    return Status(202, _capture_job(job))


@router.get("/capture/{capture_id}", response={200: CaptureJobOut, **errors(401, 404)})
def capture_job(request: HttpRequest, capture_id: Id) -> dict[str, Any]:
    """The capture job, to its user (and superusers) only; 404 to anyone else."""
    return _capture_job(own_job(request.user, capture_id, kind=import_job.JOB_KIND))


@router.get("/capture", response={200: list[CaptureJobOut], **errors(401)})
def list_capture_jobs(
    request: HttpRequest,
    limit: Annotated[int, Ge(1), Le(100)] = 50,
    offset: Annotated[int, Ge(0), Le(2**31)] = 0,
) -> list[dict[str, Any]]:
    """The caller's capture jobs (and the upload page's imports), newest first."""
    started = Job.objects.filter(kind=import_job.JOB_KIND, created_by=request.user)
    return [
        _capture_job(jobs.reap_if_stale(job) if job.status == JobStatus.RUNNING else job)
        for job in started.order_by("-created_at", "-pk")[offset : offset + limit]
    ]
