"""Events: every write goes through append_events, which hashes and chains; a recorded
event is never edited, only corrected (an error declaration naming its corrective event)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.gs1 import cbv
from countyhub.gs1.epcis import Event, declare_error, event_from_jsonld, event_to_jsonld
from countyhub.gs1.hashing import chain_hash, event_hash_ids
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import NAMESPACES
from countyhub.trace.models import Batch, EventKind, TraceEvent
from countyhub.trace.services.batches import _require


@dataclass(frozen=True)
class NewEvent:
    kind: str
    event: Event
    corrects: TraceEvent | None = None


def append_events(
    *,
    batch: Batch,
    items: Sequence[NewEvent],
    actor: Any,
    hashes: Sequence[str] | None = None,
) -> list[TraceEvent]:
    """Hash the events (CBV 2.0 hash ID; `hashes` when the caller has them already), extend the
    batch's chain, move its version (the trace page's cache key) forward and store the events;
    caller holds the transaction. The batch row is locked so that two recorders cannot fork
    the chain.

    Every write of events goes through here. The head, count and version move before the rows
    are inserted: the database's guard triggers (migration 0008), which move the version on any
    other write of events, take an inserted row the head already counts as this path's."""
    locked = Batch.objects.select_for_update().get(pk=batch.pk)
    if hashes is None:
        hashes = event_hash_ids([item.event for item in items], namespaces=NAMESPACES)
    previous, sequence, rows = locked.chain_head, locked.event_count, []
    for item, event_hash in zip(items, hashes, strict=True):
        event = item.event if item.event.event_id else replace(item.event, event_id=event_hash)
        previous = chain_hash(previous, event_hash, event.error_declaration)
        sequence += 1
        rows.append(
            TraceEvent(
                county_id=locked.county_id,
                batch=locked,
                sequence=sequence,
                kind=item.kind,
                event_id=event.event_id,
                event_time=event.event_time,
                document=event_to_jsonld(event),
                namespaces=NAMESPACES,
                event_hash=event_hash,
                chain_hash=previous,
                corrects=item.corrects,
                recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        )
    Batch.objects.filter(pk=locked.pk).update(
        chain_head=previous, event_count=sequence, version=F("version") + 1
    )
    TraceEvent.objects.bulk_create(rows)
    batch.chain_head, batch.event_count, batch.version = previous, sequence, locked.version + 1
    return rows


def append_shared_event(
    *, batches: Sequence[Batch], kind: str, event: Event, actor: Any
) -> list[TraceEvent]:
    """Append one event that concerns several batches (lots packed together in a case or on a
    pallet) to each batch's own chain through append_events: hashed once, so every chain holds
    the same eventID. Caller holds the transaction; batch rows are locked in pk order (as
    _fefo_batches does) so that two packers never deadlock."""
    ids = sorted({batch.pk for batch in batches})
    locked = list(Batch.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    (event_hash,) = event_hash_ids([event], namespaces=NAMESPACES)
    event = event if event.event_id else replace(event, event_id=event_hash)
    rows = [
        row
        for batch in locked
        for row in append_events(
            batch=batch, items=[NewEvent(kind, event)], actor=actor, hashes=[event_hash]
        )
    ]
    heads = {batch.pk: batch for batch in locked}
    for batch in batches:
        head = heads[batch.pk]
        batch.chain_head, batch.event_count, batch.version = (
            head.chain_head,
            head.event_count,
            head.version,
        )
    return rows


def _aware(moment: datetime.datetime | None) -> datetime.datetime:
    moment = moment or timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment).replace(microsecond=0)


def _check_time(batch: Batch, moment: datetime.datetime) -> None:
    if moment > timezone.now() + datetime.timedelta(minutes=5):
        raise TraceError(
            TraceErrorCode.INVALID_TIME, _("The time is in the future."), field="event_time"
        )


@transaction.atomic
def correct_event(
    *,
    actor: Any,
    erroneous: TraceEvent,
    corrective: Event,
    reason: str = "incorrect_data",
) -> tuple[TraceEvent, TraceEvent]:
    """Correct a recorded event without editing it: append the corrective event, then the
    erroneous event's error declaration naming it (EPCIS 2.0 section 7.4.1.2)."""
    batch = erroneous.batch
    _require(policies.may_record(actor, batch))
    if erroneous.kind == EventKind.ERROR_DECLARATION:
        raise TraceError(
            TraceErrorCode.INVALID_CORRECTION,
            _("An error declaration cannot itself be corrected."),
            field="event",
        )
    if TraceEvent.objects.filter(corrects=erroneous, kind=EventKind.ERROR_DECLARATION).exists():
        raise TraceError(
            TraceErrorCode.INVALID_TRANSITION, _("This event was already corrected."), field="event"
        )
    if reason not in cbv.ERROR_REASONS:
        raise TraceError(TraceErrorCode.UNKNOWN_REASON, _("Unknown error reason."), field="reason")
    (fixed,) = append_events(
        batch=batch, items=[NewEvent(erroneous.kind, corrective, corrects=erroneous)], actor=actor
    )
    declaration = declare_error(
        event_from_jsonld(erroneous.document),
        declaration_time=_aware(None),
        reason=reason,
        corrective_event_ids=[fixed.event_id],
    )
    (declared,) = append_events(
        batch=batch,
        items=[NewEvent(EventKind.ERROR_DECLARATION, declaration, corrects=erroneous)],
        actor=actor,
    )
    record_audit(
        actor=actor,
        action="trace_event.corrected",
        target=erroneous,
        county=batch.county,
        changes={"corrective": fixed.event_id, "reason": reason},
    )
    return fixed, declared
