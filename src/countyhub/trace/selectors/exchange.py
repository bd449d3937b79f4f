"""EPCIS export of stored events."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone

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
    return {
        "@context": [EPCIS_CONTEXT, NAMESPACES],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "epcisBody": {"eventList": list(latest.values())},
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
