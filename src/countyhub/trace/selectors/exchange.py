"""EPCIS export of stored events."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from countyhub.gs1 import cbv
from countyhub.gs1.epcis import EPCIS_CONTEXT, SCHEMA_VERSION
from countyhub.trace.identifiers import NAMESPACES
from countyhub.trace.models import Batch, TraceEvent


def export_document(events: QuerySet[TraceEvent] | list[TraceEvent]) -> dict[str, Any]:
    """The events as one EPCIS 2.0 JSON-LD EPCISDocument (validates against GS1's schema).

    An event declared in error appears once, in its declared form (same eventID), next to its
    corrective event, as an EPCIS repository returns it."""
    latest: dict[str, dict[str, Any]] = {}
    for row in sorted(events, key=lambda r: (r.batch_id, r.sequence)):
        if latest.get(row.event_id) == row.document:
            continue  # an event shared by several batches' chains (a case, a pallet): once
        latest.pop(row.event_id, None)
        latest[row.event_id] = row.document
    return _document("EPCISDocument", {"eventList": list(latest.values())})


def query_document(events: list[TraceEvent]) -> dict[str, Any]:
    """A page of events (one row each, as events_page gives them) as the EPCIS 2.0
    EPCISQueryDocument answering a SimpleEventQuery, in the page's order."""
    events_out = [row.document for row in events]
    results = {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": events_out}}
    return _document("EPCISQueryDocument", {"queryResults": results})


def _document(document_type: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT, NAMESPACES],
        "type": document_type,
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "epcisBody": body,
    }


def document_bytes(document: dict[str, Any]) -> bytes:
    """An EPCISDocument as the file the back office downloads: UTF-8 JSON-LD, Chinese as
    written (not escaped), indented by one space."""
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode()


def events_between(
    batches: QuerySet[Batch], *, since: datetime.date | None, until: datetime.date | None
) -> QuerySet[TraceEvent]:
    events = TraceEvent.objects.filter(batch__in=batches)
    if since is not None:
        events = events.filter(event_time__date__gte=since)
    if until is not None:
        events = events.filter(event_time__date__lte=until)
    return events.order_by("batch_id", "sequence")


def event_count(events: QuerySet[TraceEvent]) -> int:
    """How many events export_document makes of these rows: an event of several batches (a
    case, a pallet) and an event declared in error count once."""
    return events.order_by().values("event_id").distinct().count()


@dataclass(frozen=True)
class EventQuery:
    """A SimpleEventQuery's filters: event time in [since, before), event type, bizStep (a CBV
    word in any of its forms, or an extension URI)."""

    since: datetime.datetime | None = None
    before: datetime.datetime | None = None
    event_type: str | None = None
    biz_step: str | None = None


def events_page(
    batches: QuerySet[Batch],
    query: EventQuery,
    *,
    after: tuple[datetime.datetime, int] | None,
    limit: int,
) -> list[TraceEvent]:
    """The first `limit` events of the batches matching `query`, after the keyset `after`
    (event time, id) of the previous page's last, ordered by (event time, id): a walk over the
    pages gives each event once, whatever is recorded meanwhile.

    An event appears as one row, its latest: an event of several batches is a row in each, an
    event declared in error is its declaration's row (the declared form, as export_document)."""
    rows = TraceEvent.objects.filter(batch__in=batches)
    if query.since is not None:
        rows = rows.filter(event_time__gte=query.since)
    if query.before is not None:
        rows = rows.filter(event_time__lt=query.before)
    if query.event_type:
        rows = rows.filter(document__type=query.event_type)
    if query.biz_step:
        rows = rows.filter(document__bizStep__in=cbv.term_forms("bizStep", query.biz_step))
    later = rows.filter(event_id=OuterRef("event_id"), pk__gt=OuterRef("pk"))
    rows = rows.exclude(Exists(later))
    if after is not None:
        moment, pk = after
        rows = rows.filter(Q(event_time__gt=moment) | Q(event_time=moment, pk__gt=pk))
    return list(rows.order_by("event_time", "pk")[:limit])
