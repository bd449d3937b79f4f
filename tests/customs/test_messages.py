"""The CEB messages: every generated message valid against GACC's XSD and our code lists; a
code list value the XSD takes refused by us; GACC's own samples read and checked."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from countyhub.customs import messages
from countyhub.customs.declaration import Mode
from countyhub.customs.errors import MessageError

from .builders import declaration, line

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "customs"
if not SAMPLES.is_dir():  # the worktrees sit one level deeper than the main checkout
    SAMPLES = Path("/work/shared/data/customs")
NS = {"ceb": messages.NS}


@pytest.mark.parametrize("mode", list(Mode))
def test_every_generated_message_is_valid_in_every_mode(mode):
    built = messages.build_messages(declaration(mode))
    assert sorted(built) == ["CEB303", "CEB403", "CEB505", "CEB603"]
    for kind, xml in built.items():
        assert messages.message_problems(xml) == [], kind
        assert messages.message_kind(xml) == kind


def test_the_export_list_carries_the_declaration():
    xml = messages.ceb603(declaration(Mode.BONDED))
    root = ET.fromstring(xml)
    head = root.find("ceb:Inventory/ceb:InventoryHead", NS)
    item = root.find("ceb:Inventory/ceb:InventoryList", NS)
    assert head.findtext("ceb:tradeMode", namespaces=NS) == "1210"
    assert head.findtext("ceb:country", namespaces=NS) == "502"
    assert head.findtext("ceb:fCurrency", namespaces=NS) == "502"
    assert head.findtext("ceb:iacCode", namespaces=NS) == "8601660001"
    assert head.findtext("ceb:ieDate", namespaces=NS) == "20261208"
    assert head.findtext("ceb:netWeight", namespaces=NS) == "2.5"
    assert item.findtext("ceb:gcode", namespaces=NS) == "0902109000"
    assert item.findtext("ceb:itemRecordNo", namespaces=NS) == "1"
    assert item.findtext("ceb:totalPrice", namespaces=NS) == "35.1"
    guid = head.findtext("ceb:guid", namespaces=NS)
    assert re.fullmatch(r"[0-9A-F-]{36}", guid)
    assert messages.ceb603(declaration(Mode.BONDED)) == xml  # same declaration, same message


def test_order_types_on_the_order():
    for mode, order_type in [(Mode.B2C, "E"), (Mode.B2B, "B"), (Mode.WAREHOUSE, "W")]:
        root = ET.fromstring(messages.ceb303(declaration(mode)))
        assert root.findtext("ceb:Order/ceb:OrderHead/ceb:orderType", namespaces=NS) == order_type


def test_summary_application_is_valid():
    import datetime

    window = messages.SummaryWindow(
        cop_no="SUM-2026-12",
        customs_code="8601",
        start=datetime.datetime(2026, 12, 1, tzinfo=messages.BEIJING),
        end=datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=messages.BEIJING),
        invt_nos=("86012026E000000001", "86012026E000000002"),
    )
    xml = messages.ceb701(declaration(), window)
    assert messages.message_problems(xml) == []
    assert xml.count(b"<ceb:invtNo>") == 2


def test_a_code_list_value_the_xsd_accepts_is_refused_by_our_checks():
    xml = messages.ceb303(declaration()).replace(
        b"<ceb:currency>502</ceb:currency>", b"<ceb:currency>CNY</ceb:currency>"
    )
    assert messages.schema_problems(xml) == []  # three characters: form-valid for GACC's XSD
    with pytest.raises(MessageError) as caught:
        messages.validate_message(xml)
    assert set(caught.value.rules) == {"code_list.currency"}
    assert "'CNY' is not a customs currency code" in str(caught.value)
    assert "/Order[1]/OrderHead[1]/currency[1]" in str(caught.value)


def test_the_xsd_refuses_a_9_digit_hs_code():
    xml = messages.ceb603(declaration()).replace(
        b"<ceb:gcode>0902109000</ceb:gcode>", b"<ceb:gcode>902109000</ceb:gcode>"
    )
    problems = messages.message_problems(xml)
    assert {problem.rule for problem in problems} == {"xsd", "hs_code"}
    assert any("length has to be 10" in problem.message for problem in problems)


def test_build_refuses_an_unknown_unit():
    with pytest.raises(MessageError) as caught:
        messages.build_messages(declaration(lines=(line(unit="aaa"),)))
    assert caught.value.message_type == "CEB303"
    assert caught.value.rules == ["code_list.unit"]


def without_duplicate_base_transfer(xml: bytes) -> bytes:
    """GACC's samples carry two BaseTransfer blocks where the XSD allows one (README)."""
    text = xml.decode("utf-8-sig")
    blocks = re.findall(r"\s*<ceb:BaseTransfer>.*?</ceb:BaseTransfer>", text, flags=re.S)
    assert len(blocks) == 2
    return text.replace(blocks[1], "", 1).encode()


@pytest.mark.parametrize("kind", ["CEB303", "CEB403", "CEB505", "CEB603"])
def test_gacc_samples_fail_their_xsd_only_for_the_duplicate_base_transfer(kind):
    raw = (SAMPLES / f"sample-{kind}Message.xml").read_bytes()
    problems = messages.schema_problems(raw)
    assert len(problems) == 1 and "BaseTransfer" in problems[0].message
    assert messages.schema_problems(without_duplicate_base_transfer(raw)) == []


def test_gacc_samples_break_the_code_lists_where_they_use_placeholders():
    found = {}
    for kind in ["CEB303", "CEB403", "CEB505", "CEB603"]:
        xml = without_duplicate_base_transfer((SAMPLES / f"sample-{kind}Message.xml").read_bytes())
        found[kind] = {problem.rule for problem in messages.code_list_problems(xml)}
    # CEB303 has unit and currency "aaa" on its lines; CEB603 country "001", tradeMode "0101",
    # ieFlag "a"; the receipt and the waybill use 142 (CNY) only.
    assert found["CEB303"] == {"code_list.unit", "code_list.currency"}
    assert found["CEB403"] == set()
    assert found["CEB505"] == set()
    assert {"code_list.country", "code_list.trade_mode", "code_list.ie_flag"} <= found["CEB603"]


def test_receipts_are_read_back():
    receipt = f"""<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB604Message guid="A2C4E6F8-0000-4000-8000-000000000001" version="1.0" xmlns:ceb="{messages.NS}">
  <ceb:InventoryReturn>
    <ceb:guid>A2C4E6F8-0000-4000-8000-000000000002</ceb:guid>
    <ceb:agentCode>3307980123</ceb:agentCode>
    <ceb:copNo>CB-2026-0001</ceb:copNo>
    <ceb:preNo>B20261207000000001</ceb:preNo>
    <ceb:invtNo>86012026E000000001</ceb:invtNo>
    <ceb:ebcCode>93330782MA2E12340R</ceb:ebcCode>
    <ceb:ebpCode>91330100MA27XY0105</ceb:ebpCode>
    <ceb:orderNo>EX202612070001</ceb:orderNo>
    <ceb:statisticsFlag>B</ceb:statisticsFlag>
    <ceb:returnStatus>800</ceb:returnStatus>
    <ceb:returnTime>20261208101500123</ceb:returnTime>
    <ceb:returnInfo>放行</ceb:returnInfo>
  </ceb:InventoryReturn>
</ceb:CEB604Message>""".encode()
    assert messages.schema_problems(receipt) == []
    (parsed,) = messages.parse_receipts(receipt)
    assert (parsed.message_type, parsed.cop_no, parsed.status, parsed.info) == (
        "CEB604",
        "CB-2026-0001",
        800,
        "放行",
    )
    assert parsed.at.isoformat() == "2026-12-08T10:15:00+08:00"
