"""EPCIS 2.0 import into the county's batches: all or nothing, every problem named by event
index and field (schema, CBV, Digital Links, batch ownership, duplicates)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Q

from countyhub.gs1 import cbv
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.digital_link import parse as parse_digital_link
from countyhub.gs1.epcis import Event, event_from_jsonld, validate_document
from countyhub.gs1.errors import DigitalLinkError, Problem
from countyhub.gs1.hashing import event_hash_ids
from countyhub.trace import policies
from countyhub.trace.errors import DocumentRejectedError
from countyhub.trace.identifiers import NAMESPACES, VOCABULARY
from countyhub.trace.models import (
    Batch,
    ContainerContent,
    EventKind,
    SerialisedUnit,
    TraceEvent,
)
from countyhub.trace.services import NewEvent, append_events, append_shared_event


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


class _Children:
    """The county's goods an AggregationEvent's children can name: lots (GTIN + lot), serialised
    units (GTIN + serial) and cases or pallets (SSCC), each leading to the batches inside."""

    def __init__(
        self, event_data: list[Any], batches: dict[tuple[str, str], Batch], county_id: int
    ):
        self.lots = batches
        self.by_pk = {batch.pk: batch for batch in batches.values()}
        serials, ssccs = set(), set()
        for data in event_data:
            if isinstance(data, dict) and is_shared(data):
                for _path, uri in _children(data):
                    link = _link(uri)
                    if link is not None and link.key_ai == "00":
                        ssccs.add(link.key)
                    elif link is not None and link.serial:
                        serials.add(link.serial)
        self.units = {
            (gtin, serial): batch_id
            for gtin, serial, batch_id in SerialisedUnit.objects.filter(
                batch_id__in=self.by_pk, serial__in=serials
            ).values_list("batch__gtin", "serial", "batch_id")
        }
        self.containers: dict[str, set[int]] = {}
        contents = ContainerContent.objects.filter(batch__isnull=False).filter(
            Q(container__county_id=county_id, container__sscc__in=ssccs)
            | Q(container__parent__county_id=county_id, container__parent__sscc__in=ssccs)
        )
        for own, parent, batch_id in contents.values_list(
            "container__sscc", "container__parent__sscc", "batch_id"
        ):
            for sscc in {own, parent} & ssccs:
                self.containers.setdefault(sscc, set()).add(batch_id)

    def batches_of(self, data: dict[str, Any]) -> tuple[list[Batch], list[tuple[str, str]]]:
        """Every batch inside the event's children, and (field, message) for each child that
        names nothing of this county the user may record on."""
        found: dict[int, Batch] = {}
        problems = []
        for path, uri in _children(data):
            link = _link(uri)
            ids: set[int] = set()
            if link is not None and link.key_ai == "00":
                ids = self.containers.get(link.key, set())
            elif link is not None and link.lot and (link.gtin, link.lot) in self.lots:
                ids = {self.lots[(link.gtin, link.lot)].pk}
            elif link is not None and link.serial and (link.gtin, link.serial) in self.units:
                ids = {self.units[(link.gtin, link.serial)]}
            if not ids or not ids <= self.by_pk.keys():
                problems.append(
                    (path, "names no lot, unit, case or pallet of this county you may record on")
                )
            found.update((pk, self.by_pk[pk]) for pk in ids & self.by_pk.keys())
        if not found and not problems:
            problems.append(("childEPCs", "names no children; name what went in or out"))
        return [found[pk] for pk in sorted(found)], problems


def is_shared(data: dict[str, Any]) -> bool:
    """An event about whatever is inside cases or pallets (packing them, a station receiving
    one), which goes onto every batch inside, rather than about one batch."""
    if data.get("type") == "AggregationEvent":
        return True
    return data.get("type") == "ObjectEvent" and any(
        (link := _link(uri)) is not None and link.key_ai == "00"
        for uri in data.get("epcList") or []
    )


def _children(data: dict[str, Any]) -> list[tuple[str, str]]:
    found = [(f"childEPCs[{i}]", uri) for i, uri in enumerate(data.get("childEPCs") or [])]
    found += [(f"epcList[{i}]", uri) for i, uri in enumerate(data.get("epcList") or [])]
    for i, item in enumerate(data.get("childQuantityList") or []):
        found.append((f"childQuantityList[{i}].epcClass", item.get("epcClass", "")))
    return found


def _link(uri: Any) -> DigitalLink | None:
    try:
        return parse_digital_link(uri) if isinstance(uri, str) else None
    except DigitalLinkError:
        return None


def _aggregation_kind(data: dict[str, Any]) -> str:
    step = cbv.bare_term("bizStep", data.get("bizStep") or "") if data.get("bizStep") else ""
    if step == "unpacking":
        return EventKind.UNPACKING
    if step != "packing":
        return EventKind.IMPORTED
    children = [_link(uri) for uri in data.get("childEPCs") or []]
    onto_pallet = children and all(c is not None and c.key_ai == "00" for c in children)
    if onto_pallet and not data.get("childQuantityList"):
        return EventKind.PALLETISING
    return EventKind.CASE_PACKING


def _import_kind(data: dict[str, Any]) -> str:
    if "errorDeclaration" in data:
        return EventKind.ERROR_DECLARATION
    if data.get("type") == "TransformationEvent":
        return EventKind.PACKING
    if data.get("type") == "AssociationEvent":  # a logger (or other device) with the lot
        return (
            EventKind.LOGGER_ATTACHED if data.get("action") == "ADD" else EventKind.LOGGER_DETACHED
        )
    if data.get("type") == "AggregationEvent":
        return _aggregation_kind(data)
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
        "receiving": EventKind.RECEIVING,
    }.get(bare, EventKind.IMPORTED)


def import_document(
    *,
    actor: Any,
    county_id: int,
    document: Any,
    progress: Callable[[int, int], None] | None = None,
    applied: Callable[[list[TraceEvent]], None] | None = None,
) -> list[TraceEvent]:
    """Import an EPCISDocument into the county's batches: validate everything first (schema,
    CBV, Digital Links, batch ownership, duplicates) and store nothing unless all is well.

    `progress(done, total)` is called as events are matched to batches, before the transaction
    (a job's cancel stops it there); `applied(rows)` is called last inside the transaction that
    stores the events, so what it writes (a job's "applied" mark) is committed with them."""
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
    children = _Children(event_data, batches, county_id)
    # An AggregationEvent, or an ObjectEvent naming cases or pallets (a station receiving one),
    # concerns every batch inside (a case of several lots, a pallet of several sellers' cases);
    # any other event must be about exactly one batch.
    planned: list[tuple[list[Batch], str, Event, dict[str, Any]]] = []
    for index, data in enumerate(event_data):
        if progress is not None:
            progress(index + 1, len(event_data))
        if is_shared(data) and "errorDeclaration" not in data:
            involved, child_problems = children.batches_of(data)
            problems += [Problem(index, field, text) for field, text in child_problems]
            if not child_problems:
                planned.append((involved, _import_kind(data), event_from_jsonld(data), data))
            continue
        batch, message = _batch_of(data, batches)
        if batch is None:
            field, _sep, text = message.partition(": ")
            problems.append(Problem(index, field, text))
            continue
        planned.append(([batch], _import_kind(data), event_from_jsonld(data), data))
    if problems:
        raise DocumentRejectedError(problems)
    with transaction.atomic():
        hashes = event_hash_ids([event for _b, _k, event, _d in planned], namespaces=NAMESPACES)
        involved_batches = {batch for group, *_rest in planned for batch in group}
        stored = set(
            TraceEvent.objects.filter(batch__in=involved_batches).values_list("event_hash", "kind")
        )
        known_ids = dict(
            TraceEvent.objects.filter(batch__in=involved_batches).values_list("event_id", "pk")
        )
        # The event hash leaves the eventID out: one event sent twice under new IDs is one event.
        first_at: dict[tuple[str, str], int] = {}
        for index, ((_group, kind, _event, _data), event_hash) in enumerate(
            zip(planned, hashes, strict=True)
        ):
            if (event_hash, kind) in stored:
                problems.append(Problem(index, "eventID", "this event is already recorded"))
            elif (event_hash, kind) in first_at:
                problems.append(
                    Problem(
                        index,
                        "eventID",
                        f"the same event as event {first_at[(event_hash, kind)]} of this document",
                    )
                )
            else:
                first_at[(event_hash, kind)] = index
        if problems:
            raise DocumentRejectedError(problems)
        rows: list[TraceEvent] = []
        for group, kind, event, data in planned:
            if is_shared(data) and kind != EventKind.ERROR_DECLARATION:
                rows += append_shared_event(batches=group, kind=kind, event=event, actor=actor)
                continue
            (batch,) = group
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
        if applied is not None:
            applied(rows)
    return rows
