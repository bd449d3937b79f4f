"""EPCIS 2.0 JSON-LD: plain event dataclasses, export, and all-or-nothing import.

`validate_document` (module `validation`) checks a document against GS1's official JSON schema
and the rules the schema cannot express, returning every problem as (event index, field path,
message). `parse_document` imports only a document without problems, so half a document is
never imported. Corrections are new events (`declare_error`): events are append-only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from countyhub.gs1 import cbv
from countyhub.gs1.cbv import EventType
from countyhub.gs1.errors import EPCISValidationError, Problem

# Validation lives in its own module; callers reach it through this one, the EPCIS entry point.
from countyhub.gs1.validation import EPCIS_CONTEXT as EPCIS_CONTEXT
from countyhub.gs1.validation import validate_document as validate_document

SCHEMA_VERSION = "2.0"


@dataclass(frozen=True)
class QuantityElement:
    epc_class: str
    quantity: float | None = None
    uom: str | None = None  # UN/CEFACT Rec. 20 code, e.g. KGM


@dataclass(frozen=True)
class BizTransaction:
    value: str
    type: str | None = None


@dataclass(frozen=True)
class SourceDestination:
    type: str
    value: str


@dataclass(frozen=True)
class Location:
    """A readPoint or bizLocation: its URI plus any namespaced extension properties."""

    id: str
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PersistentDisposition:
    set: tuple[str, ...] = ()
    unset: tuple[str, ...] = ()


@dataclass(frozen=True)
class ErrorDeclaration:
    declaration_time: datetime
    reason: str | None = None
    corrective_event_ids: tuple[str, ...] = ()
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """One EPCIS 2.0 event. What / when / where / why as in the standard; `extensions` holds
    namespaced properties (`county:dose`), `sensor_elements` the How dimension as JSON."""

    type: EventType
    event_time: datetime
    event_time_zone_offset: str
    action: str | None = None
    event_id: str | None = None
    record_time: datetime | None = None
    certification_info: tuple[str, ...] = ()
    error_declaration: ErrorDeclaration | None = None
    parent_id: str | None = None
    epc_list: tuple[str, ...] = ()
    child_epcs: tuple[str, ...] = ()
    input_epc_list: tuple[str, ...] = ()
    output_epc_list: tuple[str, ...] = ()
    quantity_list: tuple[QuantityElement, ...] = ()
    child_quantity_list: tuple[QuantityElement, ...] = ()
    input_quantity_list: tuple[QuantityElement, ...] = ()
    output_quantity_list: tuple[QuantityElement, ...] = ()
    transformation_id: str | None = None
    biz_step: str | None = None
    disposition: str | None = None
    persistent_disposition: PersistentDisposition | None = None
    read_point: Location | None = None
    biz_location: Location | None = None
    biz_transactions: tuple[BizTransaction, ...] = ()
    sources: tuple[SourceDestination, ...] = ()
    destinations: tuple[SourceDestination, ...] = ()
    sensor_elements: tuple[dict[str, Any], ...] = ()
    ilmd: dict[str, Any] | None = None
    extensions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EPCISDocument:
    events: tuple[Event, ...]
    creation_date: datetime
    namespaces: dict[str, str] = field(default_factory=dict)  # JSON-LD prefix -> namespace URI
    id: str | None = None
    sender: str | None = None
    receiver: str | None = None
    instance_identifier: str | None = None
    epcis_header: dict[str, Any] | None = None
    extensions: dict[str, Any] = field(default_factory=dict)


def offset_of(moment: datetime) -> str:
    """`+08:00` for a Shanghai time: the eventTimeZoneOffset of an aware datetime."""
    delta = moment.utcoffset()
    if delta is None:
        raise ValueError(f"{moment.isoformat()} has no timezone; EPCIS needs aware times")
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# ---------------------------------------------------------------------------------------------
# Export


def _time(moment: datetime) -> str:
    return moment.isoformat()


def _quantities(items: tuple[QuantityElement, ...]) -> list[dict[str, Any]]:
    result = []
    for item in items:
        element: dict[str, Any] = {"epcClass": item.epc_class}
        if item.quantity is not None:
            element["quantity"] = item.quantity
        if item.uom is not None:
            element["uom"] = item.uom
        result.append(element)
    return result


def _location(location: Location) -> dict[str, Any]:
    return {"id": location.id, **location.extensions}


def _error_declaration(declaration: ErrorDeclaration) -> dict[str, Any]:
    data: dict[str, Any] = {"declarationTime": _time(declaration.declaration_time)}
    if declaration.reason is not None:
        data["reason"] = declaration.reason
    if declaration.corrective_event_ids:
        data["correctiveEventIDs"] = list(declaration.corrective_event_ids)
    return {**data, **declaration.extensions}


def event_to_jsonld(event: Event) -> dict[str, Any]:
    """The event as an EPCIS 2.0 JSON-LD object (bare CBV terms stay bare)."""
    data: dict[str, Any] = {"type": event.type.value}
    put = data.__setitem__
    if event.event_id is not None:
        put("eventID", event.event_id)
    put("eventTime", _time(event.event_time))
    put("eventTimeZoneOffset", event.event_time_zone_offset)
    if event.record_time is not None:
        put("recordTime", _time(event.record_time))
    if event.certification_info:
        info = event.certification_info
        put("certificationInfo", info[0] if len(info) == 1 else list(info))
    if event.error_declaration is not None:
        put("errorDeclaration", _error_declaration(event.error_declaration))
    if event.parent_id is not None:
        put("parentID", event.parent_id)
    # An ObjectEvent must name its objects, so an empty epcList stays when there is no quantity.
    if event.epc_list or (event.type is EventType.OBJECT and not event.quantity_list):
        put("epcList", list(event.epc_list))
    for key, values in (
        ("childEPCs", event.child_epcs),
        ("inputEPCList", event.input_epc_list),
        ("outputEPCList", event.output_epc_list),
    ):
        if values:
            put(key, list(values))
    for key, quantities in (
        ("quantityList", event.quantity_list),
        ("childQuantityList", event.child_quantity_list),
        ("inputQuantityList", event.input_quantity_list),
        ("outputQuantityList", event.output_quantity_list),
    ):
        if quantities:
            put(key, _quantities(quantities))
    for key, value in (
        ("action", event.action),
        ("transformationID", event.transformation_id),
        ("bizStep", event.biz_step),
        ("disposition", event.disposition),
    ):
        if value is not None:
            put(key, value)
    if event.persistent_disposition is not None:
        persistent = event.persistent_disposition
        put(
            "persistentDisposition",
            {k: list(v) for k, v in (("set", persistent.set), ("unset", persistent.unset)) if v},
        )
    if event.read_point is not None:
        put("readPoint", _location(event.read_point))
    if event.biz_location is not None:
        put("bizLocation", _location(event.biz_location))
    if event.biz_transactions:
        put("bizTransactionList", [_biz_transaction(t) for t in event.biz_transactions])
    if event.sources:
        put("sourceList", [{"type": s.type, "source": s.value} for s in event.sources])
    if event.destinations:
        put(
            "destinationList",
            [{"type": d.type, "destination": d.value} for d in event.destinations],
        )
    if event.sensor_elements:
        put("sensorElementList", [dict(element) for element in event.sensor_elements])
    if event.ilmd is not None:
        put("ilmd", dict(event.ilmd))
    for key in event.extensions:
        # A bare key would collide with (or pose as) a standard field; EPCIS extensions are
        # namespaced (`county:dose`) or JSON-LD keywords (`@context`).
        if ":" not in key and not key.startswith("@"):
            raise ValueError(f"extension property {key!r} needs a namespace prefix, e.g. county:")
    data.update(event.extensions)
    return data


def _biz_transaction(transaction: BizTransaction) -> dict[str, str]:
    data = {"type": transaction.type} if transaction.type is not None else {}
    return {**data, "bizTransaction": transaction.value}


def document_context(namespaces: dict[str, str]) -> list[Any]:
    return [EPCIS_CONTEXT, dict(namespaces)] if namespaces else [EPCIS_CONTEXT]


def document_to_jsonld(document: EPCISDocument) -> dict[str, Any]:
    """The EPCISDocument as JSON-LD, ready for `json.dumps`; validates against the schema."""
    data: dict[str, Any] = {"@context": document_context(document.namespaces)}
    if document.id is not None:
        data["id"] = document.id
    data.update(
        {"type": "EPCISDocument", "schemaVersion": SCHEMA_VERSION}
        | {"creationDate": _time(document.creation_date)}
    )
    header = {
        "sender": document.sender,
        "receiver": document.receiver,
        "instanceIdentifier": document.instance_identifier,
        "epcisHeader": document.epcis_header,
    }
    data.update({key: value for key, value in header.items() if value is not None})
    data.update(document.extensions)
    data["epcisBody"] = {"eventList": [event_to_jsonld(event) for event in document.events]}
    return data


def build_document(
    events: Iterable[Event],
    *,
    namespaces: dict[str, str] | None = None,
    creation_date: datetime | None = None,
    document_id: str | None = None,
) -> EPCISDocument:
    """An EPCISDocument of `events` (e.g. one batch's, or a date range's)."""
    return EPCISDocument(
        events=tuple(events),
        creation_date=creation_date or datetime.now(UTC),
        namespaces=dict(namespaces or {}),
        id=document_id,
    )


# ---------------------------------------------------------------------------------------------
# Import


def _aware(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:  # pragma: no cover - validation refuses naive times first
        raise ValueError(value)
    return moment


def _quantity_elements(items: list[dict[str, Any]] | None) -> tuple[QuantityElement, ...]:
    return tuple(
        QuantityElement(epc_class=i["epcClass"], quantity=i.get("quantity"), uom=i.get("uom"))
        for i in items or []
    )


def _location_from(data: dict[str, Any] | None) -> Location | None:
    if data is None:
        return None
    return Location(id=data["id"], extensions={k: v for k, v in data.items() if k != "id"})


_KNOWN_EVENT_KEYS = {
    "type", "eventID", "eventTime", "eventTimeZoneOffset", "recordTime", "certificationInfo",
    "errorDeclaration", "parentID", "epcList", "childEPCs", "inputEPCList", "outputEPCList",
    "quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList", "action",
    "transformationID", "bizStep", "disposition", "persistentDisposition", "readPoint",
    "bizLocation", "bizTransactionList", "sourceList", "destinationList", "sensorElementList",
    "ilmd",
}  # fmt: skip


def event_from_jsonld(data: dict[str, Any]) -> Event:
    """One validated JSON-LD event as an `Event` (call `validate_document` first)."""
    info = data.get("certificationInfo")
    declaration = data.get("errorDeclaration")
    persistent = data.get("persistentDisposition")
    return Event(
        type=EventType(data["type"]),
        event_time=_aware(data["eventTime"]),
        event_time_zone_offset=data["eventTimeZoneOffset"],
        action=data.get("action"),
        event_id=data.get("eventID"),
        record_time=_aware(data["recordTime"]) if "recordTime" in data else None,
        certification_info=(info,) if isinstance(info, str) else tuple(info or ()),
        error_declaration=None
        if declaration is None
        else ErrorDeclaration(
            declaration_time=_aware(declaration["declarationTime"]),
            reason=declaration.get("reason"),
            corrective_event_ids=tuple(declaration.get("correctiveEventIDs", ())),
            extensions={
                k: v
                for k, v in declaration.items()
                if k not in ("declarationTime", "reason", "correctiveEventIDs")
            },
        ),
        parent_id=data.get("parentID"),
        epc_list=tuple(data.get("epcList", ())),
        child_epcs=tuple(data.get("childEPCs", ())),
        input_epc_list=tuple(data.get("inputEPCList", ())),
        output_epc_list=tuple(data.get("outputEPCList", ())),
        quantity_list=_quantity_elements(data.get("quantityList")),
        child_quantity_list=_quantity_elements(data.get("childQuantityList")),
        input_quantity_list=_quantity_elements(data.get("inputQuantityList")),
        output_quantity_list=_quantity_elements(data.get("outputQuantityList")),
        transformation_id=data.get("transformationID"),
        biz_step=data.get("bizStep"),
        disposition=data.get("disposition"),
        persistent_disposition=None
        if persistent is None
        else PersistentDisposition(
            set=tuple(persistent.get("set", ())), unset=tuple(persistent.get("unset", ()))
        ),
        read_point=_location_from(data.get("readPoint")),
        biz_location=_location_from(data.get("bizLocation")),
        biz_transactions=tuple(
            BizTransaction(value=t["bizTransaction"], type=t.get("type"))
            for t in data.get("bizTransactionList", ())
        ),
        sources=tuple(
            SourceDestination(type=s["type"], value=s["source"]) for s in data.get("sourceList", ())
        ),
        destinations=tuple(
            SourceDestination(type=d["type"], value=d["destination"])
            for d in data.get("destinationList", ())
        ),
        sensor_elements=tuple(data.get("sensorElementList", ())),
        ilmd=data.get("ilmd"),
        extensions={k: v for k, v in data.items() if k not in _KNOWN_EVENT_KEYS},
    )


_KNOWN_DOCUMENT_KEYS = {
    "@context", "id", "type", "schemaVersion", "creationDate", "sender", "receiver",
    "instanceIdentifier", "epcisHeader", "epcisBody",
}  # fmt: skip


def _namespaces_from(context: Any) -> dict[str, str]:
    namespaces: dict[str, str] = {}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            namespaces.update(item)
    return namespaces


def parse_document(document: Any) -> EPCISDocument:
    """Import a JSON EPCIS document, all or nothing: raises `EPCISValidationError` listing
    every problem (event index, field, message) and returns nothing partial."""
    problems = validate_document(document)
    if problems:
        raise EPCISValidationError(problems)
    return EPCISDocument(
        events=tuple(event_from_jsonld(e) for e in document["epcisBody"]["eventList"]),
        creation_date=_aware(document["creationDate"]),
        namespaces=_namespaces_from(document.get("@context")),
        id=document.get("id"),
        sender=document.get("sender"),
        receiver=document.get("receiver"),
        instance_identifier=document.get("instanceIdentifier"),
        epcis_header=document.get("epcisHeader"),
        extensions={k: v for k, v in document.items() if k not in _KNOWN_DOCUMENT_KEYS},
    )


def load_document(text: str) -> EPCISDocument:
    """Parse JSON text and import it; a JSON syntax error is reported with line and column."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise EPCISValidationError([Problem(None, where, f"not JSON: {error.msg}")]) from error
    return parse_document(document)


# ---------------------------------------------------------------------------------------------
# Corrections: events are append-only, so a mistake is fixed by two new records.


def declare_error(
    erroneous: Event,
    *,
    declaration_time: datetime,
    reason: str = "incorrect_data",
    corrective_event_ids: Iterable[str] = (),
) -> Event:
    """The error declaration for `erroneous`: the same event (same eventID, EPCIS 2.0 section
    7.4.1.2) with an `errorDeclaration` naming the corrective events."""
    if erroneous.event_id is None:
        raise ValueError("the erroneous event needs its eventID to be declared in error")
    problem = cbv.vocabulary_problem("errorReason", reason)
    if problem:
        raise ValueError(problem)
    declaration = ErrorDeclaration(
        declaration_time=declaration_time,
        reason=reason,
        corrective_event_ids=tuple(corrective_event_ids),
    )
    return replace(erroneous, error_declaration=declaration)
