import datetime
import json
from dataclasses import replace
from pathlib import Path

import pytest

from countyhub.gs1 import epcis, hashing

from .county_chain import NAMESPACES, county_events

VECTORS = sorted((Path(__file__).parent / "reference/hash-vectors").glob("*.jsonld"))
EXAMPLES = sorted((Path(__file__).parent / "reference/examples").glob("*.jsonld"))


def _expected(path, suffix):
    return [line for line in path.with_suffix(suffix).read_text().splitlines() if line]


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_pre_hash_strings_match_the_reference_vectors(path):
    assert hashing.prehash_strings(json.loads(path.read_text())) == _expected(path, ".prehashes")


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_event_hash_ids_match_the_reference_vectors(path):
    assert hashing.document_hash_ids(json.loads(path.read_text())) == _expected(path, ".hashes")


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_hash_ids_survive_import_and_export(path):
    document = epcis.parse_document(json.loads(path.read_text()))
    events = list(document.events)
    assert hashing.event_hash_ids(events, namespaces=document.namespaces) == _expected(
        path, ".hashes"
    )


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_official_examples_hash_the_same_after_a_round_trip(path):
    original = json.loads(path.read_text())
    exported = epcis.document_to_jsonld(epcis.parse_document(original))
    assert hashing.document_hash_ids(exported) == hashing.document_hash_ids(original)


def test_hash_ignores_event_id_record_time_and_error_declaration():
    event = county_events()[8]
    base = hashing.event_hash_id(event, namespaces=NAMESPACES)
    assert base.startswith("ni:///sha-256;")
    assert base.endswith("?ver=CBV2.0")
    same = replace(event, event_id=base, record_time=event.event_time)
    assert hashing.event_hash_id(same, namespaces=NAMESPACES) == base
    declared = epcis.declare_error(same, declaration_time=event.event_time)
    assert hashing.event_hash_id(declared, namespaces=NAMESPACES) == base


def test_hash_changes_with_content_and_with_county_extensions():
    events = county_events()
    fertilising = events[1]
    base = hashing.event_hash_id(fertilising, namespaces=NAMESPACES)
    heavier = replace(fertilising, extensions={**fertilising.extensions, "county:dose": 300.0})
    assert hashing.event_hash_id(heavier, namespaces=NAMESPACES) != base
    prehash = hashing.prehash_strings(
        epcis.document_to_jsonld(epcis.build_document([fertilising], namespaces=NAMESPACES))
    )[0]
    # Extensions enter the pre-hash with their full namespace, as the algorithm prescribes.
    assert "{https://countyhub.example/voc/}dose=150" in prehash


def test_remote_contexts_are_refused_instead_of_fetched():
    data = json.loads(VECTORS[0].read_text())
    data["@context"].append("https://example.com/never-fetched.jsonld")
    with pytest.raises(ValueError, match="not bundled"):
        hashing.document_hash_ids(data)


def test_chain_verifies_and_names_the_first_changed_event():
    events = county_events()
    hashes = hashing.event_hash_ids(events, namespaces=NAMESPACES)
    chain = hashing.chain_hashes(hashes)
    assert len(set(chain)) == len(events)
    check = hashing.verify_chain(events, hashes, chain, namespaces=NAMESPACES)
    assert check == hashing.ChainCheck(ok=True, checked=len(events))

    tampered = list(events)
    tampered[5] = replace(events[5], disposition="non_conformant")
    tampered[8] = replace(events[8], biz_step="receiving")
    check = hashing.verify_chain(tampered, hashes, chain, namespaces=NAMESPACES)
    assert not check.ok
    assert check.first_bad == 5
    assert "event 5 content changed" in check.reason


def test_chain_detects_a_rewritten_link_and_a_dropped_event():
    events = county_events()
    hashes = hashing.event_hash_ids(events, namespaces=NAMESPACES)
    chain = hashing.chain_hashes(hashes)
    forged = [*chain[:3], "f" * 64, *chain[4:]]
    check = hashing.verify_chain(events, hashes, forged, namespaces=NAMESPACES)
    assert (check.ok, check.first_bad) == (False, 3)
    assert "chain link 3" in check.reason
    # Dropping an event and its hash still breaks the chain at the gap.
    check = hashing.verify_chain(
        events[:2] + events[3:],
        hashes[:2] + hashes[3:],
        chain[:2] + chain[3:],
        namespaces=NAMESPACES,
    )
    assert (check.ok, check.first_bad) == (False, 2)


def test_chain_hash_definition():
    import hashlib

    first = hashing.chain_hashes(["ni:///a"])[0]
    assert first == hashlib.sha256(("0" * 64 + "ni:///a").encode()).hexdigest()


def test_with_hash_ids_fills_missing_event_ids_only():
    events = county_events()[:3]
    events[1] = replace(events[1], event_id="urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8")
    stamped = hashing.with_hash_ids(events, namespaces=NAMESPACES)
    assert stamped[0].event_id == hashing.event_hash_id(events[0], namespaces=NAMESPACES)
    assert stamped[1].event_id == "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8"
    # Stamping does not change the hash: eventID is not part of it.
    assert hashing.event_hash_ids(stamped, namespaces=NAMESPACES) == hashing.event_hash_ids(
        events, namespaces=NAMESPACES
    )


def test_chain_covers_the_error_declaration_the_event_hash_leaves_out():
    event = county_events()[8]
    base = hashing.event_hash_id(event, namespaces=NAMESPACES)
    declared = epcis.declare_error(
        replace(event, event_id=base),
        declaration_time=event.event_time,
        reason="incorrect_data",
        corrective_event_ids=["ni:///sha-256;fix?ver=CBV2.0"],
    )
    other_reason = replace(
        declared, error_declaration=replace(declared.error_declaration, reason="did_not_occur")
    )
    plain = hashing.chain_hash(hashing.GENESIS, base)
    assert plain == hashing.chain_hash(hashing.GENESIS, base, None)
    links = {
        hashing.chain_hash(hashing.GENESIS, base, e.error_declaration)
        for e in (event, declared, other_reason)
    }
    assert len(links) == 3
    # The same declaration written in another time zone is the same declaration.
    shifted = replace(
        declared.error_declaration,
        declaration_time=event.event_time.astimezone(datetime.UTC),
    )
    assert hashing.declaration_digest(shifted) == hashing.declaration_digest(
        declared.error_declaration
    )
    check = hashing.verify_chain(
        [event, other_reason],
        [base, base],
        hashing.chain_hashes([base, base], [None, declared.error_declaration]),
        namespaces=NAMESPACES,
    )
    assert not check.ok and check.first_bad == 1
