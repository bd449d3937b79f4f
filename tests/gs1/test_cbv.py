import json
from pathlib import Path

import pytest

from countyhub.gs1 import cbv

SCHEMA = Path(__file__).parents[2] / "src/countyhub/gs1/data/epcis-json-schema.json"


def _schema_enum(name):
    definitions = json.loads(SCHEMA.read_text())["definitions"]
    return {v for branch in definitions[name]["anyOf"] for v in branch.get("enum", [])}


def test_biz_steps_are_the_41_of_cbv_2_and_match_the_official_schema():
    assert len(cbv.BIZ_STEPS) == 41
    assert _schema_enum("bizStep") == cbv.BIZ_STEPS
    assert "harvesting" not in cbv.BIZ_STEPS


def test_dispositions_match_the_official_schema():
    assert _schema_enum("disposition") == cbv.DISPOSITIONS


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        ("bizStep", "commissioning", True),
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-shipping", True),
        ("bizStep", "urn:epcglobal:cbv:bizstep:receiving", True),
        ("bizStep", "https://countyhub.example/voc/BizStep-planting", True),
        ("bizStep", "harvesting", False),
        ("bizStep", "https://ref.gs1.org/cbv/BizStep-harvesting", False),
        ("disposition", "in_transit", True),
        ("disposition", "urn:epcglobal:cbv:disp:nope", False),
        ("bizTransactionType", "po", True),
        ("bizTransactionType", "invoice", False),
        ("sourceDestType", "possessing_party", True),
        ("errorReason", "incorrect_data", True),
        ("errorReason", "typo", False),
    ],
)
def test_vocabulary_check(kind, value, ok):
    assert (cbv.vocabulary_problem(kind, value) is None) is ok


def test_bare_term():
    assert cbv.bare_term("bizStep", "https://ref.gs1.org/cbv/BizStep-packing") == "packing"
    assert cbv.bare_term("disposition", "urn:epcglobal:cbv:disp:active") == "active"


def test_county_vocabulary_namespace_is_configurable():
    vocabulary = cbv.CountyVocabulary("https://xiuwen.example.cn/voc#")
    assert vocabulary.biz_step(cbv.FarmingStep.SPRAYING) == (
        "https://xiuwen.example.cn/voc#BizStep-spraying"
    )
    assert vocabulary.context() == {"county": "https://xiuwen.example.cn/voc#"}
    with pytest.raises(ValueError, match="ending in"):
        cbv.CountyVocabulary("https://xiuwen.example.cn/voc")


def test_farming_details_carry_product_dose_and_interval():
    assert cbv.Fertilising("尿素", 20.0, "KGM").extensions() == {
        "county:fertiliserProduct": "尿素",
        "county:dose": 20.0,
        "county:doseUnit": "KGM",
    }
    assert cbv.Spraying("苦参碱", 7).extensions()["county:preHarvestIntervalDays"] == 7
    with pytest.raises(ValueError, match="must be >= 0"):
        cbv.Spraying("x", -1)
    with pytest.raises(ValueError, match="must be positive"):
        cbv.Fertilising("x", 0, "KGM")


def test_attached_documents_round_trip():
    documents = [
        cbv.AttachedDocument("certificate", "https://c.example/1", cbv.DocumentResult.PASS),
        cbv.AttachedDocument("lab_report", "https://l.example/2", cbv.DocumentResult.FAIL, "Lab"),
    ]
    assert cbv.attached_documents(cbv.documents_extension(documents)) == documents
    with pytest.raises(ValueError, match="certificate or lab_report"):
        cbv.AttachedDocument("photo", "https://p.example/3", cbv.DocumentResult.PASS)
