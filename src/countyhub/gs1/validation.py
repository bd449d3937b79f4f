"""Validation of EPCIS 2.0 JSON documents: the official schema, then the rules it cannot express.

The schema (GS1's `EPCIS-JSON-Schema.json`, shipped in `data/`) checks structure. The semantic
rules add required fields per event type and action, CBV vocabularies, timezone offsets on times,
Digital Link identifiers parsed strictly and unique event IDs. Every problem comes back as
(event index, field path, message), the clearer semantic message first when both see it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from countyhub.gs1 import cbv, digital_link
from countyhub.gs1.cbv import EventType
from countyhub.gs1.errors import DigitalLinkError, Problem

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


@cache
def _schema_validator() -> Any:
    import jsonschema  # lazy: see countyhub.gs1

    schema_text = (
        resources.files("countyhub.gs1").joinpath("data/epcis-json-schema.json").read_text("utf-8")
    )
    checker = jsonschema.FormatChecker()
    # jsonschema checks "uri" and "date-time" only with optional packages; these two are enough
    # for EPCIS: an absolute URI (scheme ':' and no spaces) and an ISO 8601 date-time.
    checker.checks("uri")(_is_absolute_uri)
    checker.checks("date-time")(_is_date_time)
    return jsonschema.Draft7Validator(json.loads(schema_text), format_checker=checker)


_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?")


def _is_absolute_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_ABSOLUTE_URI.fullmatch(value))


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return bool(_DATE_TIME.fullmatch(value)) and parse_time(value) is not None


def parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _field_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _locate(path: list[Any]) -> tuple[int | None, list[Any]]:
    if len(path) >= 3 and path[:2] == ["epcisBody", "eventList"] and isinstance(path[2], int):
        return path[2], path[3:]
    return None, path


def _leaf_errors(error: Any) -> Iterator[Any]:
    """The most specific errors under `anyOf`/`oneOf`, whose top error says only 'not valid'."""
    from jsonschema.exceptions import best_match  # lazy: see countyhub.gs1

    if error.context:
        yield from _leaf_errors(best_match(error.context))
    else:
        yield error


def _missing_alternatives(error: Any) -> list[str]:
    """Field names an `anyOf` of `required` branches asks for (e.g. epcList or quantityList)."""
    names: list[str] = []
    for sub in error.context or []:
        if sub.validator == "required" and list(sub.absolute_path) == list(error.absolute_path):
            name = re.match(r"'([^']+)'", sub.message)
            if name and name.group(1) not in names:
                names.append(name.group(1))
        names += [n for n in _missing_alternatives(sub) if n not in names]
    return names


def _schema_problems(document: Any) -> list[Problem]:
    problems = []
    for error in _schema_validator().iter_errors(document):
        alternatives = _missing_alternatives(error) if error.validator == "anyOf" else []
        if alternatives:
            index, rest = _locate(list(error.absolute_path))
            message = "needs at least one of: " + ", ".join(alternatives)
            problems.append(Problem(index, _field_path([*rest, alternatives[0]]), message))
            continue
        for leaf in _leaf_errors(error):
            index, rest = _locate(list(leaf.absolute_path))
            message = leaf.message
            if leaf.validator == "required":
                missing = re.match(r"'([^']+)'", leaf.message)
                rest = [*rest, missing.group(1)] if missing else rest
                message = "required field is missing"
            elif "propertyNames" in leaf.absolute_schema_path:
                rest = [*rest, leaf.instance]
                message = f"{leaf.instance!r} is not a field of this object"
            problems.append(Problem(index, _field_path(rest), message))
    return problems


_IDENTIFIER_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


def _identifier_problems(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Identifiers that look like Digital Link URIs must pass the strict parser."""
    candidates: list[tuple[str, Any]] = [("parentID", event.get("parentID"))]
    for key in _IDENTIFIER_LISTS:
        values = event.get(key)
        if isinstance(values, list):
            candidates += [(f"{key}[{i}]", v) for i, v in enumerate(values)]
    for key in _QUANTITY_LISTS:
        values = event.get(key)
        if isinstance(values, list):
            candidates += [
                (f"{key}[{i}].epcClass", v.get("epcClass"))
                for i, v in enumerate(values)
                if isinstance(v, dict)
            ]
    for key in ("readPoint", "bizLocation"):
        if isinstance(event.get(key), dict):
            candidates.append((f"{key}.id", event[key].get("id")))
    for path, value in candidates:
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            try:
                digital_link.parse(value)
            except DigitalLinkError as error:
                yield path, f"invalid GS1 Digital Link URI: {error}"


def _time_problems(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    times = [("eventTime", event.get("eventTime")), ("recordTime", event.get("recordTime"))]
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict):
        times.append(("errorDeclaration.declarationTime", declaration.get("declarationTime")))
    for path, value in times:
        if isinstance(value, str):
            moment = parse_time(value)
            if moment is not None and moment.tzinfo is None:
                yield path, f"{value!r} has no timezone offset (add Z or e.g. +08:00)"


def _required_problems(event: dict[str, Any], event_type: EventType) -> Iterator[tuple[str, str]]:
    for name in cbv.REQUIRED_FIELDS[event_type]:
        if name not in event:
            yield name, f"required field is missing for {event_type.value}"
    action = event.get("action")
    parent_needed = event_type is EventType.AGGREGATION and action in ("ADD", "DELETE")
    if parent_needed and "parentID" not in event:
        yield "parentID", f"required when an AggregationEvent's action is {action}"
    if event_type is EventType.TRANSFORMATION and "transformationID" not in event:
        for side in ("input", "output"):
            if not (event.get(f"{side}EPCList") or event.get(f"{side}QuantityList")):
                yield (
                    f"{side}EPCList",
                    f"a TransformationEvent without transformationID needs at least one {side}",
                )
    if "ilmd" in event and not (
        event_type is EventType.TRANSFORMATION
        or (event_type is EventType.OBJECT and action == "ADD")
    ):
        yield "ilmd", "ilmd is allowed only on ObjectEvent with action ADD and TransformationEvent"


def _vocabulary_problems(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, kind in (("bizStep", "bizStep"), ("disposition", "disposition")):
        if isinstance(event.get(key), str):
            reason = cbv.vocabulary_problem(kind, event[key])
            if reason:
                yield key, reason
    persistent = event.get("persistentDisposition")
    if isinstance(persistent, dict):
        for key in ("set", "unset"):
            for i, value in enumerate(persistent.get(key) or []):
                if not isinstance(value, str):
                    continue
                reason = cbv.vocabulary_problem("disposition", value)
                if reason:
                    yield f"persistentDisposition.{key}[{i}]", reason
    lists = (
        ("bizTransactionList", "bizTransactionType"),
        ("sourceList", "sourceDestType"),
        ("destinationList", "sourceDestType"),
    )
    for key, kind in lists:
        for i, item in enumerate(event.get(key) or []):
            if isinstance(item, dict) and isinstance(item.get("type"), str):
                reason = cbv.vocabulary_problem(kind, item["type"])
                if reason:
                    yield f"{key}[{i}].type", reason
    declaration = event.get("errorDeclaration")
    if isinstance(declaration, dict) and isinstance(declaration.get("reason"), str):
        reason = cbv.vocabulary_problem("errorReason", declaration["reason"])
        if reason:
            yield "errorDeclaration.reason", reason


def _event_problems(index: int, event: Any) -> list[Problem]:
    if not isinstance(event, dict):
        return [Problem(index, "", "an event must be a JSON object")]
    kind = event.get("type")
    try:
        event_type = EventType(kind if isinstance(kind, str) else "")
    except ValueError:
        return [Problem(index, "type", f"unknown event type {kind!r}")]
    found = [
        *_required_problems(event, event_type),
        *_time_problems(event),
        *_vocabulary_problems(event),
        *_identifier_problems(event),
    ]
    return [Problem(index, path, message) for path, message in found]


def validate_document(document: Any) -> list[Problem]:
    """Every problem of an EPCIS 2.0 JSON document, in event order; empty when it is valid."""
    if not isinstance(document, dict):
        return [Problem(None, "", "an EPCIS document must be a JSON object")]
    if document.get("type") != "EPCISDocument":
        # Query documents and bare events are valid EPCIS too, but not what an import takes.
        found = document.get("type")
        return [Problem(None, "type", f"expected an EPCISDocument, got {found!r}")]
    # Semantic problems come first so that their clearer message wins the deduplication.
    problems: list[Problem] = []
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if isinstance(events, list):
        seen_ids: dict[str, int] = {}
        for index, event in enumerate(events):
            problems += _event_problems(index, event)
            event_id = event.get("eventID") if isinstance(event, dict) else None
            if isinstance(event_id, str):
                if event_id in seen_ids:
                    problems.append(
                        Problem(index, "eventID", f"same eventID as event {seen_ids[event_id]}")
                    )
                seen_ids.setdefault(event_id, index)
    creation = document.get("creationDate")
    if isinstance(creation, str) and (moment := parse_time(creation)) and moment.tzinfo is None:
        problems.append(Problem(None, "creationDate", f"{creation!r} has no timezone offset"))
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if "@context" in document and EPCIS_CONTEXT not in contexts:
        problems.append(Problem(None, "@context", f"must include {EPCIS_CONTEXT}"))
    return _deduplicate(problems + _schema_problems(document))


def _deduplicate(problems: list[Problem]) -> list[Problem]:
    """One problem per (event, field): the schema and the semantic rules may both see it."""
    seen: set[tuple[int | None, str]] = set()
    unique = []
    for problem in problems:
        if (problem.index, problem.field) not in seen:
            seen.add((problem.index, problem.field))
            unique.append(problem)
    return sorted(unique, key=lambda p: (-1 if p.index is None else p.index, p.field))
