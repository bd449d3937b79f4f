import copy
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from countyhub.gs1 import builders, cbv, epcis, keys
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.epcis import Event, EventType, QuantityElement
from countyhub.gs1.errors import EPCISValidationError, Problem

from .county_chain import NAMESPACES, PACKED, at, county_events

REFERENCE = Path(__file__).parent / "reference"
EXAMPLES = sorted((REFERENCE / "examples").glob("*.jsonld"))
HASH_DOCUMENTS = sorted((REFERENCE / "hash-vectors").glob("*.jsonld"))


def _county_document():
    return epcis.build_document(
        county_events(),
        namespaces=NAMESPACES,
        creation_date=datetime(2026, 10, 7, tzinfo=UTC),
        document_id="https://trace.xiuwen.example.cn/documents/1",
    )


def test_county_chain_exports_a_document_valid_against_the_official_schema():
    data = epcis.document_to_jsonld(_county_document())
    assert epcis.validate_document(data) == []
    assert data["@context"][0] == epcis.EPCIS_CONTEXT
    events = data["epcisBody"]["eventList"]
    assert [e["type"] for e in events].count("TransformationEvent") == 1
    harvest = events[4]
    assert harvest["bizStep"] == "commissioning"
    assert harvest["quantityList"][0] == {
        "epcClass": "https://trace.xiuwen.example.cn/01/00452012300010/10/K2026-10",
        "quantity": 1200.0,
        "uom": "KGM",
    }
    assert events[1]["bizStep"] == "https://countyhub.example/voc/BizStep-fertilising"
    assert events[5]["certificationInfo"] == "https://certs.example.cn/green-food/LB-45-2026"
    assert events[5]["disposition"] == "conformant"


def test_the_string_in_the_qr_code_is_the_string_in_the_event():
    data = epcis.document_to_jsonld(_county_document())
    outputs = data["epcisBody"]["eventList"][6]["outputQuantityList"]
    assert outputs[0]["epcClass"] == PACKED.uri


def test_failed_lab_report_makes_the_inspection_non_conformant():
    event = builders.inspection_event(
        subject=PACKED.uri,
        event_time=at(2),
        location="https://id.gs1.org/414/9520123456788",
        documents=[
            cbv.AttachedDocument("lab_report", "https://lab.example/1", cbv.DocumentResult.FAIL)
        ],
    )
    assert event.disposition == "non_conformant"
    assert event.certification_info == ()
    assert cbv.attached_documents(event.extensions)[0].result is cbv.DocumentResult.FAIL


def test_farming_event_refuses_details_of_another_step():
    with pytest.raises(TypeError, match="spraying needs Spraying"):
        builders.farming_event(
            cbv.FarmingStep.SPRAYING,
            cbv.Irrigation(3.0),
            subject=PACKED.uri,
            event_time=at(1),
            plot="https://id.gs1.org/414/9520123456788",
        )


def test_export_import_round_trip_loses_nothing():
    document = _county_document()
    text = json.dumps(epcis.document_to_jsonld(document), ensure_ascii=False)
    assert epcis.load_document(text) == document


@pytest.mark.parametrize("path", EXAMPLES + HASH_DOCUMENTS, ids=lambda p: p.name)
def test_every_official_example_imports_and_re_exports_unchanged(path):
    original = json.loads(path.read_text())
    document = epcis.parse_document(original)
    assert len(document.events) == len(original["epcisBody"]["eventList"])
    exported = epcis.document_to_jsonld(document)
    assert epcis.validate_document(exported) == []
    assert epcis.parse_document(json.loads(json.dumps(exported))) == document


def test_import_keeps_extensions_sensor_data_and_error_declarations():
    data = json.loads((REFERENCE / "examples/object_event_all_possible_fields.jsonld").read_text())
    event = epcis.parse_document(data).events[0]
    assert event.extensions["ext1:string"] == "string"
    assert event.sensor_elements[0]["sensorReport"][0]["value"] == 26
    assert event.persistent_disposition == epcis.PersistentDisposition(
        ("completeness_verified",), ("completeness_inferred",)
    )
    assert event.error_declaration is not None
    assert event.error_declaration.reason == "incorrect_data"
    assert event.ilmd is not None
    assert event.ilmd["cbvmda:lotNumber"] == "ABC123"


def _broken_document():
    data = epcis.document_to_jsonld(_county_document())
    events = data["epcisBody"]["eventList"]
    del events[0]["action"]
    events[2]["bizStep"] = "harvesting"
    events[4]["eventTime"] = "2026-10-01T09:30:00"
    events[7]["childEPCs"][0] = "https://trace.xiuwen.example.cn/01/00452012300029/21/1"
    events[8]["bizTransactionList"][0]["type"] = "invoice"
    events[9]["unknownField"] = 1
    events[10]["eventTimeZoneOffset"] = "+8"
    return data


def test_every_invalid_event_is_reported_by_index_and_field():
    problems = epcis.validate_document(_broken_document())
    located = [(p.index, p.field) for p in problems]
    assert located == [
        (0, "action"),
        (2, "bizStep"),
        (4, "eventTime"),
        (7, "childEPCs[0]"),
        (8, "bizTransactionList[0].type"),
        (9, "unknownField"),
        (10, "eventTimeZoneOffset"),
    ]
    messages = {p.field: p.message for p in problems}
    assert "harvesting" in messages["bizStep"]
    assert "no timezone offset" in messages["eventTime"]
    assert "check digit" in messages["childEPCs[0]"]


def test_import_is_all_or_nothing():
    with pytest.raises(EPCISValidationError) as raised:
        epcis.parse_document(_broken_document())
    assert len(raised.value.problems) == 7
    assert "event 2, bizStep" in str(raised.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda e: e.pop("parentID"), Problem(0, "parentID", "")),
        (lambda e: e.update(action="OBSERVE", ilmd={"county:x": 1}), Problem(0, "ilmd", "")),
    ],
)
def test_rules_the_schema_cannot_express(mutate, expected):
    data = epcis.document_to_jsonld(_county_document())
    aggregation = copy.deepcopy(data["epcisBody"]["eventList"][7])
    mutate(aggregation)
    data["epcisBody"]["eventList"] = [aggregation]
    problems = epcis.validate_document(data)
    assert [(p.index, p.field) for p in problems] == [(expected.index, expected.field)]


def test_transformation_needs_inputs_and_outputs():
    data = epcis.document_to_jsonld(_county_document())
    transformation = data["epcisBody"]["eventList"][6]
    del transformation["inputQuantityList"]
    problems = epcis.validate_document(data)
    assert [(p.index, p.field) for p in problems] == [(6, "inputEPCList")]


def test_duplicate_event_ids_and_document_level_problems():
    data = epcis.document_to_jsonld(_county_document())
    for event in data["epcisBody"]["eventList"][:2]:
        event["eventID"] = "ni:///sha-256;00?ver=CBV2.0"
    data["@context"] = [{"county": "https://countyhub.example/voc/"}]
    data["creationDate"] = "2026-10-07T00:00:00"
    problems = epcis.validate_document(data)
    assert Problem(1, "eventID", "same eventID as event 0") in problems
    assert {(p.index, p.field) for p in problems} >= {(None, "@context"), (None, "creationDate")}


def test_json_syntax_errors_name_line_and_column():
    with pytest.raises(EPCISValidationError, match="line 2, column 3"):
        epcis.load_document('{"type":\n  oops}')


def test_only_epcis_documents_are_imported():
    event = epcis.event_to_jsonld(county_events()[8])
    assert epcis.validate_document(event) == [
        Problem(None, "type", "expected an EPCISDocument, got 'ObjectEvent'")
    ]


def test_not_an_object():
    assert epcis.validate_document([]) == [
        Problem(None, "", "an EPCIS document must be a JSON object")
    ]


def test_error_declaration_names_the_corrective_event():
    wrong = Event(
        type=EventType.OBJECT,
        event_time=at(4),
        event_time_zone_offset="+08:00",
        action="OBSERVE",
        event_id="ni:///sha-256;aa?ver=CBV2.0",
        epc_list=(PACKED.uri,),
        biz_step="shipping",
    )
    declared = epcis.declare_error(
        wrong,
        declaration_time=at(5),
        corrective_event_ids=["ni:///sha-256;bb?ver=CBV2.0"],
    )
    assert declared.event_id == wrong.event_id
    data = epcis.event_to_jsonld(declared)
    assert data["errorDeclaration"] == {
        "declarationTime": "2026-10-05T09:30:00+08:00",
        "reason": "incorrect_data",
        "correctiveEventIDs": ["ni:///sha-256;bb?ver=CBV2.0"],
    }
    with pytest.raises(ValueError, match="typo"):
        epcis.declare_error(wrong, declaration_time=at(5), reason="typo")


def test_offset_of_an_aware_time():
    assert epcis.offset_of(at(1)) == "+08:00"
    assert (
        epcis.offset_of(datetime(2026, 1, 1, tzinfo=timezone(-timedelta(hours=3, minutes=30))))
        == "-03:30"
    )
    with pytest.raises(ValueError, match="no timezone"):
        epcis.offset_of(datetime(2026, 1, 1))  # noqa: DTZ001 - the naive time is the point


# Generated events: every field the county uses, random values, must survive export -> import.
_gtins = (
    st.integers(0, 10**13 - 1).map(lambda n: f"{n:013d}").map(lambda b: b + keys.check_digit(b))
)
_serials = st.text(alphabet="0123456789ABCXYZ-", min_size=1, max_size=8)
_epcs = st.builds(lambda g, s: DigitalLink.product(g, serial=s).uri, _gtins, _serials)
_classes = st.builds(lambda g, s: DigitalLink.product(g, lot=s).uri, _gtins, _serials)
_quantities = st.builds(
    QuantityElement,
    _classes,
    st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False)),
    st.one_of(st.none(), st.sampled_from(["KGM", "LTR", "H87"])),
)
_offsets = st.integers(-12 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_times = st.datetimes(
    datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive; timezones= adds the zone
    datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=_offsets,
)
_json_values = st.recursive(
    st.one_of(st.text(max_size=10), st.integers(-1000, 1000), st.booleans()),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.from_regex(r"county:[a-z]{1,6}", fullmatch=True), inner, max_size=3)
    ),
    max_leaves=6,
)
_extensions = st.dictionaries(
    st.from_regex(r"county:[a-z][A-Za-z]{0,8}", fullmatch=True), _json_values, max_size=3
)


@st.composite
def _object_events(draw):
    moment = draw(_times)
    action = draw(st.sampled_from(["ADD", "OBSERVE", "DELETE"]))
    return Event(
        type=EventType.OBJECT,
        event_time=moment,
        event_time_zone_offset=epcis.offset_of(moment),
        action=action,
        epc_list=tuple(draw(st.lists(_epcs, max_size=3, unique=True))),
        quantity_list=tuple(draw(st.lists(_quantities, min_size=1, max_size=3))),
        biz_step=draw(st.one_of(st.none(), st.sampled_from(sorted(cbv.BIZ_STEPS)))),
        disposition=draw(st.one_of(st.none(), st.sampled_from(sorted(cbv.DISPOSITIONS)))),
        certification_info=tuple(draw(st.lists(_classes, max_size=2))),
        ilmd=draw(st.one_of(st.none(), _extensions)) if action == "ADD" else None,
        extensions=draw(_extensions),
    )


_ids = st.lists(_epcs, min_size=1, max_size=3, unique=True).map(tuple)
_quantity_lists = st.lists(_quantities, min_size=1, max_size=2).map(tuple)
_sscc = st.integers(0, 10**17 - 1).map(lambda n: f"{n:017d}")
_parents = _sscc.map(lambda b: f"https://id.gs1.org/00/{b}{keys.check_digit(b)}")


@st.composite
def _other_events(draw):
    moment = draw(_times)
    common = {
        "event_time": moment,
        "event_time_zone_offset": epcis.offset_of(moment),
        "biz_step": draw(st.sampled_from(sorted(cbv.BIZ_STEPS))),
        "read_point": draw(st.one_of(st.none(), _parents.map(epcis.Location))),
        "extensions": draw(_extensions),
    }
    kind = draw(st.sampled_from([EventType.AGGREGATION, EventType.ASSOCIATION, "transform"]))
    if kind == "transform":
        return Event(
            type=EventType.TRANSFORMATION,
            input_epc_list=draw(_ids),
            input_quantity_list=draw(_quantity_lists),
            output_quantity_list=draw(_quantity_lists),
            transformation_id=draw(st.one_of(st.none(), st.just("urn:uuid:1f6c7a9e-1"))),
            ilmd=draw(st.one_of(st.none(), _extensions)),
            **common,
        )
    return Event(
        type=kind,
        action=draw(st.sampled_from(["ADD", "DELETE"])),
        parent_id=draw(_parents),
        child_epcs=draw(_ids),
        child_quantity_list=draw(st.one_of(st.just(()), _quantity_lists)),
        biz_transactions=tuple(
            draw(st.lists(st.builds(epcis.BizTransaction, _classes, st.just("po")), max_size=2))
        ),
        sources=tuple(
            draw(st.lists(st.builds(epcis.SourceDestination, st.just("location"), _parents)))
        ),
        **common,
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_object_events(), _other_events()), min_size=1, max_size=4))
def test_generated_documents_round_trip(events):
    document = epcis.build_document(
        events, namespaces=NAMESPACES, creation_date=datetime(2026, 1, 1, tzinfo=UTC)
    )
    text = json.dumps(epcis.document_to_jsonld(document))
    assert epcis.load_document(text) == document


def test_extensions_must_be_namespaced():
    event = replace(county_events()[0], extensions={"action": "DELETE"})
    with pytest.raises(ValueError, match="namespace prefix"):
        epcis.event_to_jsonld(event)


def test_county_extensions_expand_to_the_county_namespace_as_json_ld():
    # Expand with pyld, serving the EPCIS context bundled in the package (no network).
    from importlib import resources

    from pyld import jsonld

    bundled = json.loads(
        resources.files("countyhub.gs1").joinpath("data/epcis-context.json").read_text("utf-8")
    )

    def loader(url, options=None):
        assert url == epcis.EPCIS_CONTEXT, url
        return {"contextUrl": None, "documentUrl": url, "document": bundled}

    document = epcis.document_to_jsonld(_county_document())
    expanded = jsonld.expand(document, {"documentLoader": loader})
    text = json.dumps(expanded)
    assert "https://countyhub.example/voc/fertiliserProduct" in text
    assert "https://countyhub.example/voc/BizStep-spraying" in text
    assert "https://ref.gs1.org/cbv/BizStep-commissioning" in text
