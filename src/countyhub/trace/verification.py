"""Verification: recompute each batch's event hash IDs and hash chain from the stored content
and name the first event that no longer matches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from countyhub.gs1.epcis import event_from_jsonld
from countyhub.gs1.hashing import verify_chain
from countyhub.trace.identifiers import NAMESPACES
from countyhub.trace.models import Batch, TraceEvent


@dataclass(frozen=True)
class TamperedEvent:
    batch_id: int
    lot: str
    gtin: str
    sequence: int | None
    event_id: str | None
    reason: str


def verify_batch(batch: Batch, events: Sequence[TraceEvent] | None = None) -> TamperedEvent | None:
    """Recompute the batch's chain from the stored event content; name the first bad event."""
    rows = list(events if events is not None else batch.events.order_by("sequence"))
    problem = None
    if len(rows) != batch.event_count:
        problem = (None, None, f"{len(rows)} events stored, the chain recorded {batch.event_count}")
    elif rows and rows[-1].chain_hash != batch.chain_head:
        problem = (rows[-1].sequence, rows[-1].event_id, "the last chain link is not the head")
    else:
        try:
            check = verify_chain(
                [event_from_jsonld(row.document) for row in rows],
                [row.event_hash for row in rows],
                [row.chain_hash for row in rows],
                namespaces=NAMESPACES,
            )
        except (KeyError, TypeError, ValueError) as error:
            problem = (None, None, f"stored content is no longer a readable event: {error}")
        else:
            if not check.ok:
                bad = rows[check.first_bad] if check.first_bad is not None else None
                problem = (
                    bad.sequence if bad else None,
                    bad.event_id if bad else None,
                    check.reason,
                )
    if problem is None:
        return None
    return TamperedEvent(batch.pk, batch.lot, batch.gtin, *problem)


def verify_batches(
    *, county_id: int | None = None, progress: Callable[[int, int], None] | None = None
) -> tuple[int, list[TamperedEvent]]:
    """Verify every batch (of one county); returns (batches checked, tampered events)."""
    batches = Batch.objects.order_by("pk")
    if county_id is not None:
        batches = batches.filter(county_id=county_id)
    total = batches.count()
    found = []
    for done, batch in enumerate(batches.iterator(chunk_size=200), start=1):
        bad = verify_batch(batch)
        if bad is not None:
            found.append(bad)
        if progress is not None:
            progress(done, total)
    return total, found
