"""Trace API: a user's batches, EPCIS export (batch or date range) and all-or-nothing import:
at once for a small document (``POST /epcis``), in the background for any (EPCIS 2.0's capture
interface, ``/capture``, through the import job of the upload page, issue 19)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from countyhub.core import import_jobs, jobs
from countyhub.core.api import ErrorOut, Id, errors, own_job
from countyhub.core.json_input import JSONInputError, parse_json
from countyhub.core.models import Job, JobStatus
from countyhub.core.numbers import plain_number
from countyhub.gs1.errors import Problem
from countyhub.trace import exchange, import_job, policies, selectors
from countyhub.trace.errors import DocumentRejectedError
from countyhub.trace.identifiers import lot_uri
from countyhub.trace.models import Batch

router = Router(tags=["trace"])


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


@router.get("/epcis", response={200: dict[str, Any], **errors(401, 422)})
def export_range(
    request: HttpRequest, since: datetime.date | None = None, until: datetime.date | None = None
) -> dict[str, Any]:
    """Events of the user's batches with an event time in [since, until] (local dates)."""
    events = selectors.events_between(
        selectors.batches_visible_to(request.user), since=since, until=until
    )
    return selectors.export_document(events)


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
    whole or not at all (``captureErrorBehaviour`` is always "rollback"); ``success`` is true
    once every event is stored, ``errors`` names every problem of a refused document."""

    captureID: str  # noqa: N815  (EPCIS 2.0's names)
    createdAt: datetime.datetime  # noqa: N815
    finishedAt: datetime.datetime | None  # noqa: N815
    running: bool
    success: bool
    captureErrorBehaviour: str = Field(..., examples=["rollback"])  # noqa: N815
    errors: list[ProblemOut]


def _capture_job(job: Job) -> dict[str, Any]:
    failed = job.status in (JobStatus.FAILED, JobStatus.CANCELLED)
    problems = job.result.get(import_job.PROBLEMS) if failed else None
    if problems is None:
        problems = (
            [{"index": None, "field": "", "message": job.error or job.message}] if failed else []
        )
    return {
        "captureID": str(job.pk),
        "createdAt": job.created_at,
        "finishedAt": job.finished_at,
        "running": not job.finished,
        "success": job.status == JobStatus.SUCCEEDED,
        "captureErrorBehaviour": "rollback",
        "errors": problems,
    }


@router.post(
    "/capture", response={202: CaptureJobOut, **errors(401, 403, 413), 422: DocumentErrorOut}
)
def capture(request: HttpRequest, response: HttpResponse, county_id: Id) -> Any:
    """EPCIS 2.0 capture: queue the import of an EPCISDocument (the request body) into the
    county's batches, of any number of events; answers 202 with the capture job's
    ``Location``, which says when every event is stored, or every problem with nothing stored.
    A body that is not JSON is refused at once (422)."""
    _check_importer(request, county_id)
    upload = SimpleUploadedFile("capture.jsonld", request.body, "application/ld+json")
    too_large = import_jobs.upload_too_large(upload)  # the upload page's limit
    if too_large:
        return Status(413, {"code": "request_too_large", "message": too_large, "field": None})
    _document(request)
    job = import_job.start(actor=request.user, county_id=county_id, upload=upload)
    response["Location"] = reverse("api:capture_job", args=[job.pk])
    return Status(202, _capture_job(job))


@router.get("/capture/{capture_id}", response={200: CaptureJobOut, **errors(401, 404)})
def capture_job(request: HttpRequest, capture_id: Id) -> dict[str, Any]:
    """The capture job, to its user (and superusers) only; 404 to anyone else."""
    return _capture_job(own_job(request, capture_id, kind=import_job.JOB_KIND))


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
