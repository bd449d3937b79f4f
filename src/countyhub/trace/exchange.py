"""EPCIS 2.0 import into the county's batches, every problem named by event index and field
(schema, CBV, Digital Links, batch ownership, duplicates): all or nothing, or (EPCIS 2.0's
capture "proceed") every valid event that does not depend on a refused one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
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
    # Defensive about shapes: an event the schema refused is read for what it would have made.
    for key in ("quantityList", "inputQuantityList", "outputQuantityList", "childQuantityList"):
        for i, item in enumerate(_list(data, key)):
            found.append(
                (f"{key}[{i}].epcClass", item.get("epcClass", "") if isinstance(item, dict) else "")
            )
    for key in ("epcList", "inputEPCList", "outputEPCList", "childEPCs"):
        for i, value in enumerate(_list(data, key)):
            found.append((f"{key}[{i}]", value))
    if data.get("parentID"):
        found.append(("parentID", data["parentID"]))
    return found


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


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


class ErrorBehaviour(StrEnum):
    """What an import does with a document some of whose events have problems (EPCIS 2.0's
    GS1-Capture-Error-Behaviour): refuse it whole, or store every event that is valid."""

    ROLLBACK = "rollback"
    PROCEED = "proceed"


@dataclass(frozen=True)
class Imported:
    """The events an import stored, and the problems of those it refused (none unless it
    proceeds past them)."""

    rows: list[TraceEvent]
    refused: list[Problem]

    @property
    def event_ids(self) -> list[str]:
        """The stored events' IDs, once each (an event of a case is a row of every batch)."""
        return list(dict.fromkeys(row.event_id for row in self.rows))


@dataclass(frozen=True)
class _Plan:
    """A valid event of the document and the batches it goes onto."""

    index: int
    batches: list[Batch]
    kind: str
    event: Event
    data: dict[str, Any]


def _identity(uri: Any, batches: dict[tuple[str, str], Batch]) -> str:
    """What a URI of an event's What names, one way however it is written: the batch, for a lot
    of this county (by its packed or its harvest GTIN), else the GS1 key with its lot or serial."""
    link = _link(uri)
    if link is None:
        return str(uri)
    if link.lot and (link.gtin, link.lot) in batches:
        return f"batch:{batches[(link.gtin, link.lot)].pk}"
    return f"{link.key_ai}:{link.key}:{link.lot or ''}:{link.serial or ''}"


def _introduced(data: Any, batches: dict[tuple[str, str], Batch]) -> set[str]:
    """What the event brings into being, which later events may name: the event itself (an
    error declaration or a corrective event names it), what an ObjectEvent ADD commissions, the
    case, pallet or logger an aggregation or association ADD makes up, a transformation's
    outputs."""
    if not isinstance(data, dict):
        return set()
    found = {f"event:{data['eventID']}"} if data.get("eventID") else set()
    if "errorDeclaration" in data:
        found = set()  # the declared event's ID, which its original brought in
    if data.get("type") == "TransformationEvent":
        keys = {"outputEPCList", "outputQuantityList"}
    elif data.get("action") != "ADD":
        keys = set()
    elif data.get("type") == "ObjectEvent":
        keys = {"epcList", "quantityList"}
    else:
        keys = {"parentID"}
    return found | {
        _identity(uri, batches)
        for path, uri in _subject_lots(data)
        if path.partition("[")[0] in keys
    }


def _named(data: dict[str, Any], batches: dict[tuple[str, str], Batch]) -> list[tuple[str, str]]:
    """(field, identity) of everything the event names that an earlier event may bring in."""
    named = [(path, _identity(uri, batches)) for path, uri in _subject_lots(data)]
    declaration = data.get("errorDeclaration")
    if isinstance(declaration, dict):
        named.append(("eventID", f"event:{data.get('eventID')}"))
        named += [
            (f"errorDeclaration.correctiveEventIDs[{i}]", f"event:{event_id}")
            for i, event_id in enumerate(declaration.get("correctiveEventIDs") or [])
        ]
    return named


def _dependents(
    event_data: list[Any],
    valid: set[int],
    refused: set[int],
    batches: dict[tuple[str, str], Batch],
) -> list[Problem]:
    """The problems of the valid events a refused one leaves without ground: an event naming a
    lot, unit, case or event that an earlier refused event would have brought in is refused
    too, so that no batch's history is stored without its start. Refusing it may leave later
    events without ground in turn."""
    lost: dict[str, int] = {}  # identity -> the refused event that would have brought it in
    found = []
    for index, data in enumerate(event_data):
        if index in valid:
            cause = next(
                ((field, lost[name]) for field, name in _named(data, batches) if name in lost),
                None,
            )
            if cause is None:
                continue
            field, earlier = cause
            found.append(Problem(index, field, f"depends on event {earlier}, which was refused"))
        elif index not in refused:
            continue
        for name in _introduced(data, batches):
            lost.setdefault(name, index)
    return found


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
    return _import(
        actor=actor,
        county_id=county_id,
        document=document,
        proceed=False,
        progress=progress,
        applied=None if applied is None else lambda imported: applied(imported.rows),
    ).rows


def import_valid_events(
    *,
    actor: Any,
    county_id: int,
    document: Any,
    progress: Callable[[int, int], None] | None = None,
    applied: Callable[[Imported], None] | None = None,
) -> Imported:
    """Import every valid event of an EPCISDocument and refuse the others, each problem named
    by event index and field (EPCIS 2.0's "proceed"). An event that depends on a refused one
    is refused too (:func:`_dependents`); a problem of the document itself (its type, context,
    body) refuses it whole, raising DocumentRejectedError as import_document does.

    `progress` and `applied(imported)` as in import_document."""
    return _import(
        actor=actor,
        county_id=county_id,
        document=document,
        proceed=True,
        progress=progress,
        applied=applied,
    )


def _import(
    *,
    actor: Any,
    county_id: int,
    document: Any,
    proceed: bool,
    progress: Callable[[int, int], None] | None,
    applied: Callable[[Imported], None] | None,
) -> Imported:
    problems = validate_document(document)
    if problems and (not proceed or any(problem.index is None for problem in problems)):
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
    invalid = {problem.index for problem in problems}
    # A batch answers to its packed GTIN and to its unpacked harvest's GTIN, with one lot.
    batches = {
        (gtin, b.lot): b
        for b in Batch.objects.filter(county_id=county_id).select_related("county")
        if policies.may_record(actor, b)
        for gtin in (b.gtin, b.harvest_gtin)
        if gtin
    }
    children = _Children(
        [data for index, data in enumerate(event_data) if index not in invalid],
        batches,
        county_id,
    )
    # An AggregationEvent, or an ObjectEvent naming cases or pallets (a station receiving one),
    # concerns every batch inside (a case of several lots, a pallet of several sellers' cases);
    # any other event must be about exactly one batch.
    planned: list[_Plan] = []
    for index, data in enumerate(event_data):
        if progress is not None:
            progress(index + 1, len(event_data))
        if index in invalid:
            continue
        if is_shared(data) and "errorDeclaration" not in data:
            involved, child_problems = children.batches_of(data)
            problems += [Problem(index, field, text) for field, text in child_problems]
            if not child_problems:
                planned.append(
                    _Plan(index, involved, _import_kind(data), event_from_jsonld(data), data)
                )
            continue
        batch, message = _batch_of(data, batches)
        if batch is None:
            field, _sep, text = message.partition(": ")
            problems.append(Problem(index, field, text))
            continue
        planned.append(_Plan(index, [batch], _import_kind(data), event_from_jsonld(data), data))
    if problems and not proceed:
        raise DocumentRejectedError(problems)
    with transaction.atomic():
        hashes = event_hash_ids([plan.event for plan in planned], namespaces=NAMESPACES)
        involved_batches = {batch for plan in planned for batch in plan.batches}
        stored = set(
            TraceEvent.objects.filter(batch__in=involved_batches).values_list("event_hash", "kind")
        )
        known_ids = dict(
            TraceEvent.objects.filter(batch__in=involved_batches).values_list("event_id", "pk")
        )
        # The event hash leaves the eventID out: one event sent twice under new IDs is one event.
        first_at: dict[tuple[str, str], int] = {}
        repeated = set()  # held already: refused, but what it names exists
        for plan, event_hash in zip(planned, hashes, strict=True):
            if (event_hash, plan.kind) in stored:
                problems.append(Problem(plan.index, "eventID", "this event is already recorded"))
            elif (event_hash, plan.kind) in first_at:
                earlier = first_at[(event_hash, plan.kind)]
                problems.append(
                    Problem(
                        plan.index, "eventID", f"the same event as event {earlier} of this document"
                    )
                )
            else:
                first_at[(event_hash, plan.kind)] = plan.index
                continue
            repeated.add(plan.index)
        if problems and not proceed:
            raise DocumentRejectedError(problems)
        refused = {problem.index for problem in problems}
        if proceed:
            valid = {plan.index for plan in planned} - refused
            problems += _dependents(event_data, valid, refused - repeated, batches)
            refused = {problem.index for problem in problems}
        rows: list[TraceEvent] = []
        for plan in planned:
            if plan.index in refused:
                continue
            kind = plan.kind
            if is_shared(plan.data) and kind != EventKind.ERROR_DECLARATION:
                rows += append_shared_event(
                    batches=plan.batches, kind=kind, event=plan.event, actor=actor
                )
                continue
            (batch,) = plan.batches
            corrects = None
            if kind == EventKind.ERROR_DECLARATION and plan.event.event_id in known_ids:
                corrects = TraceEvent.objects.get(pk=known_ids[plan.event.event_id])
            elif kind == EventKind.ERROR_DECLARATION:
                # The declared form of an event this county never held: keep it as that event.
                kind = _import_kind({k: v for k, v in plan.data.items() if k != "errorDeclaration"})
            rows += append_events(
                batch=batch, items=[NewEvent(kind, plan.event, corrects=corrects)], actor=actor
            )
            known_ids.setdefault(rows[-1].event_id, rows[-1].pk)
        imported = Imported(
            rows, sorted(problems, key=lambda p: -1 if p.index is None else p.index)
        )
        if applied is not None:
            applied(imported)
    return imported
