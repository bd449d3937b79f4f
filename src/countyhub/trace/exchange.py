"""EPCIS 2.0 import into the county's batches: all or nothing, every problem named by event
index and field (schema, CBV, Digital Links, batch ownership, duplicates)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from countyhub.gs1 import cbv
from countyhub.gs1.digital_link import parse as parse_digital_link
from countyhub.gs1.epcis import Event, event_from_jsonld, validate_document
from countyhub.gs1.errors import DigitalLinkError, Problem
from countyhub.gs1.hashing import event_hash_ids
from countyhub.trace import policies
from countyhub.trace.errors import DocumentRejectedError
from countyhub.trace.identifiers import NAMESPACES, VOCABULARY
from countyhub.trace.models import Batch, EventKind, TraceEvent
from countyhub.trace.services import NewEvent, append_events


def _subject_lots(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field path, URI) of every Digital Link that names a lot in the event's What."""
    found = []
    for key in ("quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList"):
        for i, item in enumerate(data.get(key) or []):
            found.append((f"{key}[{i}].epcClass", item.get("epcClass", "")))
    for key in ("epcList", "inputEPCList", "outputEPCList", "childEPCs"):
        for i, value in enumerate(data.get(key) or []):
            found.append((f"{key}[{i}]", value))
    if data.get("parentID"):
        found.append(("parentID", data["parentID"]))
    return found


def _batch_of(data: dict[str, Any], batches: dict[tuple[str, str], Batch]) -> tuple[Any, str]:
    """The one batch an event is about (by GTIN + lot), or a problem message."""
    matched: dict[int, Batch] = {}
    first_field = "quantityList"
    for path, uri in _subject_lots(data):
        first_field = first_field if matched else path
        try:
            link = parse_digital_link(uri)
        except DigitalLinkError:
            continue
        if link.gtin and link.lot and (link.gtin, link.lot) in batches:
            batch = batches[(link.gtin, link.lot)]
            matched[batch.pk] = batch
    if len(matched) == 1:
        return next(iter(matched.values())), ""
    if not matched:
        return None, f"{first_field}: names no batch of this county (GTIN + lot) you may record on"
    return None, f"{first_field}: names {len(matched)} batches; an event must be about one"


def _import_kind(data: dict[str, Any]) -> str:
    if "errorDeclaration" in data:
        return EventKind.ERROR_DECLARATION
    if data.get("type") == "TransformationEvent":
        return EventKind.PACKING
    if data.get("type") == "AssociationEvent":  # a logger (or other device) with the lot
        return (
            EventKind.LOGGER_ATTACHED if data.get("action") == "ADD" else EventKind.LOGGER_DETACHED
        )
    step = data.get("bizStep") or ""
    for farming in cbv.FarmingStep:
        if step == VOCABULARY.biz_step(farming):
            return farming.value
    bare = cbv.bare_term("bizStep", step) if step else ""
    return {
        "commissioning": EventKind.HARVEST,
        "inspecting": EventKind.INSPECTION,
        "packing": EventKind.PACKING,
        "shipping": EventKind.SHIPPING,
        "sensor_reporting": EventKind.COLD_CHAIN,
    }.get(bare, EventKind.IMPORTED)


@transaction.atomic
def import_document(*, actor: Any, county_id: int, document: Any) -> list[TraceEvent]:
    """Import an EPCISDocument into the county's batches: validate everything first (schema,
    CBV, Digital Links, batch ownership, duplicates) and store nothing unless all is well."""
    problems = validate_document(document)
    if problems:
        raise DocumentRejectedError(problems)
    namespaces = {
        key: value
        for item in document.get("@context", [])
        if isinstance(item, dict)
        for key, value in item.items()
    }
    if namespaces and namespaces.get(cbv.COUNTY_PREFIX, VOCABULARY.namespace) != (
        VOCABULARY.namespace
    ):
        raise DocumentRejectedError(
            [Problem(None, "@context", "the county: prefix must map to " + VOCABULARY.namespace)]
        )
    event_data = document["epcisBody"]["eventList"]
    # A batch answers to its packed GTIN and to its unpacked harvest's GTIN, with one lot.
    batches = {
        (gtin, b.lot): b
        for b in Batch.objects.filter(county_id=county_id).select_related("county")
        if policies.may_record(actor, b)
        for gtin in (b.gtin, b.harvest_gtin)
        if gtin
    }
    planned: list[tuple[Batch, str, Event, dict[str, Any]]] = []
    for index, data in enumerate(event_data):
        batch, message = _batch_of(data, batches)
        if batch is None:
            field, _sep, text = message.partition(": ")
            problems.append(Problem(index, field, text))
            continue
        planned.append((batch, _import_kind(data), event_from_jsonld(data), data))
    if problems:
        raise DocumentRejectedError(problems)
    hashes = event_hash_ids([event for _b, _k, event, _d in planned], namespaces=NAMESPACES)
    stored = set(
        TraceEvent.objects.filter(batch__in={b for b, *_rest in planned}).values_list(
            "event_hash", "kind"
        )
    )
    known_ids = dict(
        TraceEvent.objects.filter(batch__in={b for b, *_rest in planned}).values_list(
            "event_id", "pk"
        )
    )
    for index, ((_batch, kind, _event, _data), event_hash) in enumerate(
        zip(planned, hashes, strict=True)
    ):
        if (event_hash, kind) in stored:
            problems.append(Problem(index, "eventID", "this event is already recorded"))
    if problems:
        raise DocumentRejectedError(problems)
    rows: list[TraceEvent] = []
    for batch, kind, event, data in planned:
        corrects = None
        if kind == EventKind.ERROR_DECLARATION and event.event_id in known_ids:
            corrects = TraceEvent.objects.get(pk=known_ids[event.event_id])
        elif kind == EventKind.ERROR_DECLARATION:
            # The declared form of an event this county never held: keep it as that event.
            kind = _import_kind({k: v for k, v in data.items() if k != "errorDeclaration"})
        rows += append_events(
            batch=batch, items=[NewEvent(kind, event, corrects=corrects)], actor=actor
        )
        known_ids.setdefault(rows[-1].event_id, rows[-1].pk)
    return rows
