"""The public trace page: the batch a Digital Link names, its timeline, and whether its chain
verifies."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import timezone

from countyhub.catalog.models import Certification
from countyhub.gs1 import coldchain
from countyhub.trace.models import Batch, BatchShipment, EventKind, TraceEvent
from countyhub.trace.selectors.steps import SprayInterval, spray_intervals
from countyhub.trace.selectors.timeline import ColdChainTrip, TimelineEntry, timeline_entry
from countyhub.trace.verification import verify_batch


def _fingerprint(rows: list[TraceEvent]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.event_hash.encode() + row.chain_hash.encode())
        digest.update(json.dumps(row.document, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def chain_verifies(batch: Batch, rows: list[TraceEvent]) -> bool:
    """Whether the batch's hash chain verifies, recomputed from the stored content.

    Recomputing CBV hashes costs ~25 ms per event, so the answer is cached under a digest of
    exactly the content checked: any change to a stored event changes the key and forces a full
    recomputation on the next view."""
    if not rows:
        return False
    key = f"trace:chain:{batch.pk}:{batch.chain_head}:{batch.event_count}:{_fingerprint(rows)}"
    verdict = cache.get(key)
    if verdict is None:
        verdict = verify_batch(batch, rows) is None
        cache.set(key, verdict, timeout=24 * 3600)
    return verdict


@dataclass
class RouteStop:
    """A place the lot went, with what happened there, in time order; coordinates if known."""

    name: str
    steps: list[str]
    latitude: float | None = None
    longitude: float | None = None


def _route(batch: Batch, entries: list[TimelineEntry]) -> list[RouteStop]:
    """Named places in time order. Events at the plot carry its coordinates but no name (the
    plot is the batch's): they are named after it. Consecutive events at one place are one stop."""
    stops: list[RouteStop] = []
    for entry in entries:
        if entry.corrected:
            continue
        name = entry.place or (batch.plot if entry.latitude is not None else "")
        if not name:
            continue
        here = (name, entry.latitude, entry.longitude)
        if stops and (stops[-1].name, stops[-1].latitude, stops[-1].longitude) == here:
            if str(entry.label) not in stops[-1].steps:
                stops[-1].steps.append(str(entry.label))
            continue
        stops.append(RouteStop(name, [str(entry.label)], entry.latitude, entry.longitude))
    return stops


@dataclass
class TracePage:
    batch: Batch
    entries: list[TimelineEntry]
    certifications: list[tuple[Certification, bool]]
    inspections: list[TimelineEntry]
    authentic: bool
    route: list[RouteStop]
    shipped_orders: int
    destinations: list[str]
    spray_intervals: list[SprayInterval] = field(default_factory=list)
    cold_chain: list[ColdChainTrip] = field(default_factory=list)
    serial: str | None = None


def batch_for_link(*, gtin: str, lot: str) -> Batch | None:
    return (
        Batch.objects.select_related(
            "product__brand__parent", "seller__village__township", "county"
        )
        .filter(gtin=gtin, lot=lot)
        .first()
    )


def batch_for_harvest_link(*, gtin: str, lot: str) -> Batch | None:
    return Batch.objects.filter(harvest_gtin=gtin, lot=lot).first()


def batch_for_serial(*, gtin: str, serial: str) -> Batch | None:
    return (
        Batch.objects.select_related(
            "product__brand__parent", "seller__village__township", "county"
        )
        .filter(gtin=gtin, units__serial=serial)
        .first()
    )


def trace_page(batch: Batch) -> TracePage:
    """Everything the public trace page shows; no household or buyer data."""
    rows = list(TraceEvent.objects.filter(batch=batch).order_by("sequence"))
    corrected = {row.corrects_id for row in rows if row.kind == EventKind.ERROR_DECLARATION}
    entries = []
    for row in rows:
        if row.kind == EventKind.ERROR_DECLARATION:
            continue
        entry = timeline_entry(row)
        entry.corrected = row.pk in corrected
        entries.append(entry)
    entries.sort(key=lambda e: (e.time, e.sequence))
    today = timezone.localdate()
    certifications = [
        (cert, cert.is_valid_on(today))
        for cert in Certification.objects.filter(product_id=batch.product_id).order_by(
            "kind", "valid_until"
        )
    ]
    route = _route(batch, entries)
    shipped = list(
        BatchShipment.objects.filter(batch=batch).values_list(
            "order_id", "order__station__village__name"
        )
    )
    destinations = sorted({name for _order, name in shipped if name})
    return TracePage(
        batch=batch,
        entries=entries,
        certifications=certifications,
        inspections=[e for e in entries if e.kind == EventKind.INSPECTION and not e.corrected],
        authentic=chain_verifies(batch, rows),
        route=route,
        shipped_orders=len({order for order, _name in shipped}),
        destinations=destinations,
        spray_intervals=spray_intervals(rows),
        cold_chain=[
            ColdChainTrip(summary)
            for row in rows
            if row.kind == EventKind.COLD_CHAIN and row.pk not in corrected
            for summary in [coldchain.summary_of(row.document)]
            if summary is not None
        ],
    )
