"""CBV 2.0 event hash IDs (`ni:///sha-256;...?ver=CBV2.0`) and the per-batch hash chain.

The event hash comes from `epcis-event-hash-generator` (GS1 Germany's reference
implementation of the CBV 2.0 algorithm), fed one JSON-LD document so that namespaces and bare
CBV words are expanded the way the algorithm expects. The chain links a batch's events in order:
chain_hash_i = sha256(chain_hash_(i-1) + event_hash_i + declaration_i), starting from 64 zeros,
where declaration_i is empty, or for an error declaration the sha256 of its canonical JSON: the
CBV hash leaves `errorDeclaration` out (a declaration keeps the erroneous event's hash ID), so
the chain covers it itself and a tampered reason or corrective event ID is detected.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from typing import Any

from countyhub.gs1.epcis import ErrorDeclaration, Event, document_context, event_to_jsonld

GENESIS = "0" * 64
_BUNDLED_CONTEXTS = (
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
)
_LOCK = threading.Lock()  # the generator keeps module-level state (namespaces, joiner)


def _refuse_remote_contexts() -> None:
    """Only the two EPCIS contexts bundled with the generator may load; never the network."""
    from epcis_event_hash_generator import file_document_loader  # lazy: see countyhub.gs1
    from pyld import jsonld  # lazy: see countyhub.gs1

    bundled = file_document_loader.file_document_loader()

    def loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        if url in _BUNDLED_CONTEXTS:
            document: dict[str, Any] = bundled(url, options or {})
            return document
        raise jsonld.JsonLdError(
            f"remote JSON-LD context {url} is not bundled; inline it in @context",
            "jsonld.LoadDocumentError",
            code="loading document failed",
        )

    jsonld.set_document_loader(loader)


def prehash_strings(document: dict[str, Any]) -> list[str]:
    """The CBV 2.0 pre-hash string of each event of a JSON-LD EPCISDocument, in order."""
    from epcis_event_hash_generator import hash_generator, json_to_py  # lazy: see countyhub.gs1

    context = document.get("@context")
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, str) and item not in _BUNDLED_CONTEXTS:
            raise ValueError(f"remote JSON-LD context {item} is not bundled; inline it in @context")
    with _LOCK, warnings.catch_warnings():
        # The generator reads its bundled contexts with a deprecated importlib call.
        warnings.simplefilter("ignore", DeprecationWarning)
        _refuse_remote_contexts()
        # Namespaces of an earlier document must not leak into this one.
        json_to_py._namespaces.clear()
        events = json_to_py.event_list_from_epcis_document_json(copy.deepcopy(document))
        prehashes: list[str] = hash_generator.derive_prehashes_from_events(events)
    expected = len(document["epcisBody"]["eventList"])
    if len(prehashes) != expected:
        # The generator logs and skips events it cannot read; a short list would shift IDs.
        raise ValueError(f"could not compute the pre-hash of {expected - len(prehashes)} event(s)")
    return prehashes


def hash_id(prehash: str) -> str:
    return f"ni:///sha-256;{hashlib.sha256(prehash.encode('utf-8')).hexdigest()}?ver=CBV2.0"


def document_hash_ids(document: dict[str, Any]) -> list[str]:
    """The event hash ID of every event of a JSON-LD EPCISDocument."""
    return [hash_id(prehash) for prehash in prehash_strings(document)]


def _wrap(events: Sequence[Event], namespaces: dict[str, str]) -> dict[str, Any]:
    return {
        "@context": document_context(namespaces),
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2000-01-01T00:00:00Z",  # not part of any event hash
        "epcisBody": {"eventList": [event_to_jsonld(event) for event in events]},
    }


def event_hash_ids(events: Sequence[Event], *, namespaces: dict[str, str]) -> list[str]:
    """Hash IDs of `events`; `namespaces` maps the JSON-LD prefixes their extensions use."""
    if not events:
        return []
    return document_hash_ids(_wrap(events, namespaces))


def event_hash_id(event: Event, *, namespaces: dict[str, str]) -> str:
    return event_hash_ids([event], namespaces=namespaces)[0]


def with_hash_ids(events: Sequence[Event], *, namespaces: dict[str, str]) -> list[Event]:
    """The events with their CBV 2.0 hash as eventID (kept where an eventID is already set)."""
    ids = event_hash_ids(events, namespaces=namespaces)
    return [
        event if event.event_id is not None else replace(event, event_id=event_id)
        for event, event_id in zip(events, ids, strict=True)
    ]


def declaration_digest(declaration: ErrorDeclaration | None) -> str:
    """sha256 of an error declaration's canonical JSON (time in UTC, keys sorted); "" for none."""
    if declaration is None:
        return ""
    canonical = {
        "declarationTime": declaration.declaration_time.astimezone(UTC).isoformat(),
        "reason": declaration.reason,
        "correctiveEventIDs": list(declaration.corrective_event_ids),
        **declaration.extensions,
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_hash(previous: str, event_hash: str, declaration: ErrorDeclaration | None = None) -> str:
    link = previous + event_hash + declaration_digest(declaration)
    return hashlib.sha256(link.encode("utf-8")).hexdigest()


def chain_hashes(
    event_hashes: Sequence[str], declarations: Sequence[ErrorDeclaration | None] | None = None
) -> list[str]:
    """The running chain over a batch's event hashes (and declarations), in recording order."""
    chain, previous = [], GENESIS
    for index, event_hash in enumerate(event_hashes):
        previous = chain_hash(previous, event_hash, declarations[index] if declarations else None)
        chain.append(previous)
    return chain


@dataclass(frozen=True)
class ChainCheck:
    """Result of `verify_chain`: `first_bad` is the index of the first event that no longer
    matches what was recorded (None when the whole chain holds)."""

    ok: bool
    checked: int
    first_bad: int | None = None
    event_id: str | None = None
    reason: str = ""


def verify_chain(
    events: Sequence[Event],
    recorded_event_hashes: Sequence[str],
    recorded_chain: Sequence[str],
    *,
    namespaces: dict[str, str],
) -> ChainCheck:
    """Recompute every event's hash from its content and the chain over them; name the first
    event whose content or chain link differs from what was recorded."""
    if not len(events) == len(recorded_event_hashes) == len(recorded_chain):
        return ChainCheck(
            ok=False,
            checked=0,
            reason=f"{len(events)} events but {len(recorded_event_hashes)} recorded hashes and "
            f"{len(recorded_chain)} chain links",
        )
    current = event_hash_ids(events, namespaces=namespaces)
    previous = GENESIS
    for index, (event, now, recorded) in enumerate(
        zip(events, current, recorded_event_hashes, strict=True)
    ):
        if now != recorded:
            return ChainCheck(
                ok=False,
                checked=index,
                first_bad=index,
                event_id=event.event_id,
                reason=f"event {index} content changed: its hash is {now}, recorded {recorded}",
            )
        expected_link = chain_hash(previous, recorded, event.error_declaration)
        if expected_link != recorded_chain[index]:
            return ChainCheck(
                ok=False,
                checked=index,
                first_bad=index,
                event_id=event.event_id,
                reason=f"chain link {index} does not follow from link {index - 1} and the event",
            )
        previous = expected_link
    return ChainCheck(ok=True, checked=len(events))
