"""The GACC CEB export messages as XML: order CEB303, receipt CEB403, waybill CEB505, export
list CEB603 and the 9610 summary application CEB701; validated against GACC's export XSD
(data/ceb-export-202205.xsd, see data/SOURCES.md) and against the customs code lists, which the
XSD does not check (it takes "CNY" for a currency whose code list says 142).

countyhub generates and validates these messages; it does not submit them (that needs a
licensed signing card and a data exchange account). Receipts (CEB304, CEB604 ...) are read back
by `parse_receipts`.
"""

from __future__ import annotations

import datetime
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING
from xml.parsers import expat
from zoneinfo import ZoneInfo

from countyhub.customs import codelists
from countyhub.customs.declaration import FIVE_PLACES, Declaration
from countyhub.customs.errors import CustomsError, HSCodeError, MessageError, Problem
from countyhub.customs.hs import parse_hs

if TYPE_CHECKING:
    import xmlschema

NS = "http://www.chinaport.gov.cn/ceb"
BEIJING = ZoneInfo("Asia/Shanghai")
XSD = codelists.DATA / "ceb-export-202205.xsd"
MESSAGE_TYPES = ("CEB303", "CEB403", "CEB505", "CEB603")
TRADE_MODES = frozenset({"9610", "9710", "9810", "1210", "1239"})
# The message's fields that take a code of a customs code list, by the list.
_CURRENCY_FIELDS = frozenset({"currency", "fCurrency", "iCurrency"})
_UNIT_FIELDS = frozenset({"unit", "unit1", "unit2"})

ET.register_namespace("ceb", NS)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _amount(value: Decimal) -> str:
    """At most 5 decimals, no exponent, no trailing zeros: `12.5`, `100`."""
    text = format(value.quantize(FIVE_PLACES), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _time14(moment: datetime.datetime) -> str:
    """Customs times are Beijing times; a time without a zone is refused, not guessed."""
    if moment.tzinfo is None:
        raise CustomsError(f"{moment} has no time zone")
    return moment.astimezone(BEIJING).strftime("%Y%m%d%H%M%S")


def message_guid(kind: str, declaration: Declaration, part: str = "") -> str:
    """A stable 36-character upper-case id: the same declaration gives the same messages."""
    seed = f"countyhub:{kind}:{declaration.order_no}:{declaration.cop_no}:{part}:"
    seed += _time14(declaration.app_time)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, seed)).upper()


def _fields(parent: ET.Element, pairs: Iterable[tuple[str, str | None]]) -> None:
    """Child elements in schema order; an optional field given as None is left out."""
    for name, value in pairs:
        if value is not None:
            ET.SubElement(parent, _q(name)).text = value


def _root(kind: str, declaration: Declaration) -> ET.Element:
    return ET.Element(
        _q(f"{kind}Message"), {"guid": message_guid(kind, declaration), "version": "1.0"}
    )


def _head(kind: str, declaration: Declaration) -> list[tuple[str, str | None]]:
    return [
        ("guid", message_guid(kind, declaration, "head")),
        ("appType", "1"),
        ("appTime", _time14(declaration.app_time)),
        ("appStatus", "2"),
    ]


def _transfer(root: ET.Element, declaration: Declaration) -> None:
    transfer = ET.SubElement(root, _q("BaseTransfer"))
    _fields(
        transfer,
        [
            ("copCode", declaration.transfer.code),
            ("copName", declaration.transfer.name),
            ("dxpMode", "DXP"),
            ("dxpId", declaration.transfer.dxp_id),
        ],
    )


def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return xml


def _optional(value: str) -> str | None:
    return value or None


def ceb303(declaration: Declaration) -> bytes:
    """The order (电子订单), sent by the platform."""
    currency = codelists.customs_currency(declaration.currency)
    root = _root("CEB303", declaration)
    order = ET.SubElement(root, _q("Order"))
    head = ET.SubElement(order, _q("OrderHead"))
    _fields(
        head,
        [
            *_head("CEB303", declaration),
            ("orderType", str(declaration.effective_order_type)),
            ("orderNo", declaration.order_no),
            ("ebpCode", declaration.platform.code),
            ("ebpName", declaration.platform.name),
            ("ebcCode", declaration.ecommerce.code),
            ("ebcName", declaration.ecommerce.name),
            ("goodsValue", _amount(declaration.goods_value)),
            ("freight", _amount(declaration.freight)),
            ("currency", currency),
            ("note", _optional(declaration.note)),
        ],
    )
    for line in declaration.lines:
        item = ET.SubElement(order, _q("OrderList"))
        _fields(
            item,
            [
                ("gnum", str(line.gnum)),
                ("itemNo", line.item_no),
                ("itemName", line.item_name),
                ("itemDescribe", _optional(line.item_describe)),
                ("barCode", _optional(line.bar_code)),
                ("unit", line.unit),
                ("currency", currency),
                ("qty", _amount(line.qty)),
                ("price", _amount(line.price)),
                ("totalPrice", _amount(line.total_price)),
            ],
        )
    _transfer(root, declaration)
    return _serialise(root)


def ceb403(declaration: Declaration) -> bytes:
    """The receipt (收款单), sent by the payment enterprise: what the buyer paid for the order."""
    root = _root("CEB403", declaration)
    receipt = ET.SubElement(root, _q("Receipts"))
    _fields(
        receipt,
        [
            *_head("CEB403", declaration),
            ("ebpCode", declaration.platform.code),
            ("ebpName", declaration.platform.name),
            ("ebcCode", declaration.ecommerce.code),
            ("ebcName", declaration.ecommerce.name),
            ("orderNo", declaration.order_no),
            ("payCode", declaration.payment.code),
            ("payName", declaration.payment.name),
            ("payNo", _optional(declaration.pay_no)),
            ("charge", _amount(declaration.goods_value + declaration.freight)),
            ("currency", codelists.customs_currency(declaration.currency)),
            ("accountingDate", _time14(declaration.paid_at)),
        ],
    )
    _transfer(root, declaration)
    return _serialise(root)


def ceb505(declaration: Declaration) -> bytes:
    """The waybill (物流运单), sent by the logistics enterprise."""
    root = _root("CEB505", declaration)
    waybill = ET.SubElement(root, _q("Logistics"))
    _fields(
        waybill,
        [
            *_head("CEB505", declaration),
            ("logisticsCode", declaration.logistics.code),
            ("logisticsName", declaration.logistics.name),
            ("logisticsNo", declaration.logistics_no),
            ("freight", _amount(declaration.freight)),
            ("insuredFee", _amount(declaration.insured_fee)),
            ("currency", codelists.customs_currency(declaration.freight_currency)),
            ("grossWeight", _amount(declaration.gross_weight)),
            ("packNo", str(declaration.pack_no)),
            ("goodsInfo", declaration.goods_info),
            ("ebcCode", declaration.ecommerce.code),
            ("ebcName", declaration.ecommerce.name),
            ("ebcTelephone", _optional(declaration.ecommerce.telephone)),
        ],
    )
    _transfer(root, declaration)
    return _serialise(root)


def ceb603(declaration: Declaration) -> bytes:
    """The export list (申报清单) customs releases the goods against."""
    currency = codelists.customs_currency(declaration.currency)
    country = codelists.customs_country(declaration.country)
    warehouse = declaration.bonded_warehouse
    root = _root("CEB603", declaration)
    inventory = ET.SubElement(root, _q("Inventory"))
    head = ET.SubElement(inventory, _q("InventoryHead"))
    _fields(
        head,
        [
            *_head("CEB603", declaration),
            ("customsCode", declaration.customs_code),
            ("ebpCode", declaration.platform.code),
            ("ebpName", declaration.platform.name),
            ("orderNo", declaration.order_no),
            ("logisticsCode", declaration.logistics.code),
            ("logisticsName", declaration.logistics.name),
            ("logisticsNo", declaration.logistics_no),
            ("copNo", declaration.cop_no),
            ("preNo", _optional(declaration.pre_no)),
            ("invtNo", _optional(declaration.invt_no)),
            ("ieFlag", "E"),
            ("portCode", declaration.port_code),
            ("ieDate", declaration.export_date.strftime("%Y%m%d")),
            ("statisticsFlag", str(declaration.statistics_flag)),
            ("agentCode", declaration.agent.code),
            ("agentName", declaration.agent.name),
            ("ebcCode", declaration.ecommerce.code),
            ("ebcName", declaration.ecommerce.name),
            ("ownerCode", declaration.owner.code),
            ("ownerName", declaration.owner.name),
            ("iacCode", warehouse.code if warehouse else None),
            ("iacName", warehouse.name if warehouse else None),
            ("emsNo", _optional(declaration.ems_no)),
            ("tradeMode", str(declaration.mode)),
            ("trafMode", declaration.traf_mode),
            ("trafName", _optional(declaration.traf_name)),
            ("voyageNo", _optional(declaration.voyage_no)),
            ("billNo", _optional(declaration.bill_no)),
            ("licenseNo", _optional(declaration.license_no)),
            ("country", country),
            ("POD", declaration.pod),
            ("freight", _amount(declaration.freight)),
            ("fCurrency", codelists.customs_currency(declaration.freight_currency)),
            ("fFlag", "3"),  # 3: the total amount (not a rate or a unit price)
            ("insuredFee", _amount(declaration.insured_fee)),
            ("iCurrency", codelists.customs_currency(declaration.insurance_currency)),
            ("iFlag", "3"),
            ("wrapType", declaration.wrap_type),
            ("packNo", str(declaration.pack_no)),
            ("grossWeight", _amount(declaration.gross_weight)),
            ("netWeight", _amount(declaration.net_weight)),
            ("note", _optional(declaration.note)),
        ],
    )
    for line in declaration.lines:
        item = ET.SubElement(inventory, _q("InventoryList"))
        _fields(
            item,
            [
                ("gnum", str(line.gnum)),
                ("itemNo", line.item_no),
                ("itemRecordNo", _optional(line.item_record_no)),
                ("itemName", line.item_name),
                ("gcode", line.gcode),
                ("gname", line.gname),
                ("gmodel", line.gmodel),
                ("barCode", line.bar_code or "无"),
                ("country", country),
                ("currency", currency),
                ("qty", _amount(line.qty)),
                ("qty1", _amount(line.qty1)),
                ("qty2", _amount(line.qty2) if line.qty2 is not None else None),
                ("unit", line.unit),
                ("unit1", line.unit1),
                ("unit2", _optional(line.unit2)),
                ("price", _amount(line.price)),
                ("totalPrice", _amount(line.total_price)),
            ],
        )
    _transfer(root, declaration)
    return _serialise(root)


@dataclass(frozen=True)
class SummaryWindow:
    """A 9610 summary application (CEB701) over the lists of one consignor and a period."""

    cop_no: str
    customs_code: str
    start: datetime.datetime
    end: datetime.datetime
    invt_nos: tuple[str, ...]  # the customs list numbers; empty: every list in the window


def ceb701(declaration: Declaration, window: SummaryWindow) -> bytes:
    """The summary application (汇总申请单) of 9610 lists declared with statisticsFlag B.
    `declaration` gives the parties (agent, consignor) and the sender."""
    root = _root("CEB701", declaration)
    apply = ET.SubElement(root, _q("SummaryApply"))
    head = ET.SubElement(apply, _q("SummaryApplyHead"))
    _fields(
        head,
        [
            ("guid", message_guid("CEB701", declaration, window.cop_no)),
            ("appType", "1"),
            ("appTime", _time14(declaration.app_time)),
            ("appStatus", "2"),
            ("customsCode", window.customs_code),
            ("copNo", window.cop_no),
            ("agentCode", declaration.agent.code),
            ("agentName", declaration.agent.name),
            ("ebcCode", declaration.ecommerce.code),
            ("ebcName", declaration.ecommerce.name),
            ("declAgentCode", declaration.agent.code),
            ("declAgentName", declaration.agent.name),
            ("startTime", _time14(window.start)),
            ("endTime", _time14(window.end)),
            ("summaryFlag", "1"),  # 1: by the consignor
            ("itemNameFlag", "1"),
            ("msgCount", "1"),
            ("msgSeqNo", "1"),
        ],
    )
    for invt_no in window.invt_nos:
        item = ET.SubElement(apply, _q("SummaryApplyList"))
        _fields(item, [("invtNo", invt_no)])
    _transfer(root, declaration)
    return _serialise(root)


BUILDERS = {"CEB303": ceb303, "CEB403": ceb403, "CEB505": ceb505, "CEB603": ceb603}


def build_messages(declaration: Declaration) -> dict[str, bytes]:
    """The four messages of an export order, each validated (MessageError if one is not)."""
    messages = {kind: build(declaration) for kind, build in BUILDERS.items()}
    for kind, xml in messages.items():
        validate_message(xml, kind)
    return messages


@cache
def schema() -> xmlschema.XMLSchema:
    import xmlschema  # lazy: see countyhub.customs

    return xmlschema.XMLSchema(str(XSD))


def schema_problems(xml: bytes) -> list[Problem]:
    """What the GACC XSD finds wrong (form only: lengths, decimals, required elements)."""
    import xmlschema  # lazy: see countyhub.customs

    problems = []
    try:
        errors = list(schema().iter_errors(xml.decode("utf-8-sig")))
    except (xmlschema.XMLSchemaException, ET.ParseError) as broken:
        return [Problem("xml", "(document)", str(broken))]
    for error in errors:
        reason = error.reason or str(error)
        problems.append(Problem("xsd", error.path or "(document)", reason))
    return problems


def code_list_problems(xml: bytes) -> list[Problem]:
    """What the customs code lists find wrong in fields the XSD checks only for length:
    currencies, countries, units, transport mode, package type, HS code, trade mode, ieFlag."""
    root = ET.fromstring(xml.decode("utf-8-sig"))
    currencies = codelists.currencies()
    countries = codelists.countries()
    units = codelists.units()
    problems = []
    for path, element in _walk(root, ""):
        name = element.tag.rsplit("}", 1)[-1]
        value = (element.text or "").strip()
        if name in _CURRENCY_FIELDS and value not in currencies:
            problems.append(
                Problem("code_list.currency", path, f"{value!r} is not a customs currency code")
            )
        elif name == "country" and value not in countries:
            problems.append(
                Problem("code_list.country", path, f"{value!r} is not a customs country code")
            )
        elif name in _UNIT_FIELDS and value and value not in units:
            problems.append(Problem("code_list.unit", path, f"{value!r} is not a customs unit"))
        elif name == "trafMode" and value not in codelists.transport_modes():
            problems.append(Problem("code_list.transport", path, f"{value!r} is unknown"))
        elif name == "wrapType" and value not in codelists.package_types():
            problems.append(Problem("code_list.package", path, f"{value!r} is unknown"))
        elif name == "tradeMode" and value not in TRADE_MODES:
            problems.append(
                Problem("code_list.trade_mode", path, f"{value!r} is not a cross-border mode")
            )
        elif name == "ieFlag" and value != "E":
            problems.append(Problem("code_list.ie_flag", path, f"{value!r}: an export is E"))
        elif name == "gcode":
            try:
                parse_hs(value)
            except HSCodeError as error:
                problems.append(Problem("hs_code", path, str(error)))
    return problems


def _walk(element: ET.Element, parent: str) -> Iterable[tuple[str, ET.Element]]:
    counts: dict[str, int] = {}
    for child in element:
        name = child.tag.rsplit("}", 1)[-1]
        counts[name] = counts.get(name, 0) + 1
        path = f"{parent}/{name}[{counts[name]}]"
        yield path, child
        yield from _walk(child, path)


def message_problems(xml: bytes) -> list[Problem]:
    problems = schema_problems(xml)
    if any(problem.rule == "xml" for problem in problems):
        return problems
    return problems + code_list_problems(xml)


def validate_message(xml: bytes, kind: str = "") -> None:
    """Raise MessageError listing what the XSD and the code lists find wrong."""
    problems = message_problems(xml)
    if problems:
        raise MessageError(kind or message_kind(xml), problems)


def message_kind(xml: bytes) -> str:
    root = ET.fromstring(xml.decode("utf-8-sig"))
    return root.tag.rsplit("}", 1)[-1].removesuffix("Message")


# The receipt messages customs (or the e-port) sends back for an export's messages, by what
# they answer: order, payment receipt, waybill, departure, export list.
RECEIPT_TYPES = {
    "CEB304": "OrderReturn",
    "CEB404": "ReceiptsReturn",
    "CEB506": "LogisticsReturn",
    "CEB510": "DepartureReturn",
    "CEB604": "InventoryReturn",
    # The answer to a 9610 summary application (CEB701): its pre-entry and summary numbers.
    "CEB702": "SummaryReturn",
}


@dataclass(frozen=True)
class Receipt:
    """One customs (or e-port) receipt: which message it answers, the status code and when."""

    message_type: str  # CEB304, CEB604 ...
    order_no: str
    cop_no: str
    invt_no: str
    status: int
    at: datetime.datetime
    info: str
    logistics_no: str = ""
    line: int = 0  # where the receipt starts in its file (0: unknown)
    # A summary receipt's (CEB702): customs' pre-entry and summary application numbers and the
    # e-commerce enterprise it is for.
    pre_no: str = ""
    sum_no: str = ""
    ebc_code: str = ""


def _tag(name: str) -> str:
    return "{" + name if "}" in name else name


def parse_with_lines(xml: bytes) -> tuple[ET.Element, dict[int, tuple[int, int]]]:
    """The document and where each element starts (line, column; by id of the element).
    A DOCTYPE or an entity declaration is refused (no entity expansion from uploads);
    malformed XML raises MessageError naming the line and column."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    where: dict[int, tuple[int, int]] = {}

    def start(name: str, attributes: dict[str, str]) -> None:
        element = builder.start(_tag(name), attributes)
        where[id(element)] = (parser.CurrentLineNumber, parser.CurrentColumnNumber + 1)

    def refuse(*_args: object) -> None:
        raise MessageError(
            "XML",
            [
                Problem(
                    "xml",
                    f"line {parser.CurrentLineNumber}, column {parser.CurrentColumnNumber + 1}",
                    "a DOCTYPE or entity declaration is not allowed in a customs message",
                )
            ],
        )

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_tag(name))
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as error:
        raise MessageError(
            "XML",
            [
                Problem(
                    "xml",
                    f"line {error.lineno}, column {error.offset + 1}",
                    f"not well-formed XML: {expat.ErrorString(error.code)}",
                )
            ],
        ) from error
    return builder.close(), where


def _short(path: str) -> str:
    return path.replace(f"{{{NS}}}", "ceb:")


def located_schema_problems(root: ET.Element, where: dict[int, tuple[int, int]]) -> list[Problem]:
    """The XSD's findings, each with the line and column of the element concerned (for an
    unexpected child, the child's)."""
    problems = []
    for error in schema().iter_errors(root):
        element = error.elem
        reason = _short(error.reason or str(error))
        position = re.search(r"at position (\d+)", reason)
        if element is not None and position and int(position.group(1)) <= len(element):
            element = element[int(position.group(1)) - 1]
        line, column = where.get(id(element), (0, 0)) if element is not None else (0, 0)
        place = f"line {line}, column {column}" if line else "(document)"
        problems.append(Problem("xsd", f"{place} {_short(error.path or '')}".strip(), reason))
    return problems


def read_receipts(xml: bytes) -> list[Receipt]:
    """A receipt message as uploaded: well-formed (else the line and column), one of
    RECEIPT_TYPES (else its name), valid against the GACC XSD (each problem with its line and
    column), then its receipts."""
    root, where = parse_with_lines(xml)
    name = root.tag.rsplit("}", 1)[-1]
    kind = name.removesuffix("Message")
    if not root.tag.startswith(f"{{{NS}}}") or kind not in RECEIPT_TYPES:
        known = ", ".join(f"{code}Message" for code in RECEIPT_TYPES)
        raise MessageError(
            kind or "XML",
            [
                Problem(
                    "receipt.unknown_message",
                    "line {}, column {}".format(*where.get(id(root), (1, 1))),
                    f"{name!r} is not a customs receipt message this page reads ({known})",
                )
            ],
        )
    problems = located_schema_problems(root, where)
    if problems:
        raise MessageError(kind, problems)
    receipts = _receipts_of(root, kind)
    return [
        Receipt(**{**receipt.__dict__, "line": where.get(id(entry), (0, 0))[0]})
        for receipt, entry in receipts
    ]


def parse_receipts(xml: bytes) -> list[Receipt]:
    """The receipts of a CEB304/404/506/604/606/702 message: returnStatus, returnTime
    (yyyyMMddHHmmssSSS, Beijing time) and returnInfo of each, with the order and list numbers."""
    root = ET.fromstring(xml.decode("utf-8-sig"))
    kind = root.tag.rsplit("}", 1)[-1].removesuffix("Message")
    return [receipt for receipt, _entry in _receipts_of(root, kind)]


def _receipts_of(root: ET.Element, kind: str) -> list[tuple[Receipt, ET.Element]]:
    receipts = []
    for entry in root:
        values = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in entry}
        if "returnStatus" not in values:
            continue
        try:
            status = int(values["returnStatus"])
            at = datetime.datetime.strptime(
                values.get("returnTime", "")[:14] + "+0800", "%Y%m%d%H%M%S%z"
            ).astimezone(BEIJING)
        except ValueError as error:
            raise MessageError(
                kind, [Problem("receipt", entry.tag.rsplit("}", 1)[-1], str(error))]
            ) from error
        receipts.append(
            (
                Receipt(
                    message_type=kind,
                    order_no=values.get("orderNo", ""),
                    cop_no=values.get("copNo", ""),
                    invt_no=values.get("invtNo", ""),
                    status=status,
                    at=at,
                    info=values.get("returnInfo", ""),
                    logistics_no=values.get("logisticsNo", ""),
                    pre_no=values.get("preNo", ""),
                    sum_no=values.get("sumNo", ""),
                    ebc_code=values.get("ebcCode", ""),
                ),
                entry,
            )
        )
    return receipts
