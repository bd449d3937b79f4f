"""Trace API: a user's batches, EPCIS export (batch or date range) and all-or-nothing import."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from countyhub.core.api import ErrorOut, Id, errors
from countyhub.core.json_input import JSONInputError, parse_json
from countyhub.core.numbers import plain_number
from countyhub.gs1.errors import Problem
from countyhub.trace import exchange, policies, selectors
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


@router.post("/epcis", response={201: ImportOut, **errors(401, 403), 422: DocumentErrorOut})
def import_epcis(request: HttpRequest, county_id: Id) -> Any:
    """Import an EPCISDocument (the request body) into the county's batches, all or nothing:
    422 with every problem (event index, field, message) and nothing stored."""
    if not policies.seller_ids_of(request.user) and not policies.is_county_admin(
        request.user, county_id
    ):
        raise PermissionDenied
    try:
        document = parse_json(request.body or b"null")
    except JSONInputError as error:
        raise DocumentRejectedError([Problem(None, "body", str(error))]) from error
    rows = exchange.import_document(actor=request.user, county_id=county_id, document=document)
    return Status(201, {"imported": len(rows), "event_ids": [row.event_id for row in rows]})
