"""An export declaration as plain data, and the rules of its supervision mode.

The four modes differ in a handful of fields, not in structure (notes/channels.md §1):
9610 direct B2C parcels, 9710 B2B direct, 9810 export to an overseas warehouse, 1210 bonded
zone. `check_declaration` returns every broken rule, each named, so a page can list them all.
"""

from __future__ import annotations

import datetime
import enum
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from countyhub.customs import codelists
from countyhub.customs.errors import (
    CodeListError,
    CurrencyError,
    DeclarationError,
    HSCodeError,
    PartyCodeError,
    Problem,
)
from countyhub.customs.hs import parse_hs
from countyhub.customs.parties import NO_CODE, validate_party_code

MAX_LINES = 100
# Money, quantities and weights in the messages: 19 digits, 5 after the point.
FIVE_PLACES = Decimal("0.00001")
LOGISTICS_NO_UNIQUE_DAYS = 180
# Customs list number: 4-digit district, 4-digit year, I/E, a 9 to 11 digit serial (REV).
_INVT_NO = re.compile(r"^\d{4}\d{4}[IE]\d{9,11}$")
_Add = Callable[[Problem], None]


class Mode(enum.StrEnum):
    """Supervision mode (监管方式), the list's `tradeMode`."""

    B2C = "9610"  # 跨境贸易电子商务: parcels to consumers
    B2B = "9710"  # 跨境电子商务企业对企业直接出口
    WAREHOUSE = "9810"  # 跨境电子商务出口海外仓
    BONDED = "1210"  # 保税跨境贸易电子商务


class OrderType(enum.StrEnum):
    """The order's `orderType`: what each mode's order is."""

    B2C = "E"
    B2B = "B"
    WAREHOUSE_BOOKING = "W"  # the order number is the overseas-warehouse booking note's


ORDER_TYPE_FOR_MODE = {
    Mode.B2C: OrderType.B2C,
    Mode.BONDED: OrderType.B2C,
    Mode.B2B: OrderType.B2B,
    Mode.WAREHOUSE: OrderType.WAREHOUSE_BOOKING,
}


class StatisticsFlag(enum.StrEnum):
    SIMPLIFIED = "A"  # 简化申报: no licence, no export duty, no VAT rebate
    SUMMARY = "B"  # 汇总申报 (needed for the VAT rebate)


@dataclass(frozen=True)
class Party:
    code: str  # 10-char customs code, 18-char USCC, or "无" (foreign platform, 9710/9810)
    name: str
    telephone: str = ""


@dataclass(frozen=True)
class Transfer:
    """Who sends the messages (BaseTransfer): their code, name and data exchange (DXP) id."""

    code: str
    name: str
    dxp_id: str


@dataclass(frozen=True)
class Line:
    gnum: int
    item_no: str  # seller's SKU
    item_name: str  # name on the order and for the tax rebate
    gcode: str  # 10-digit commodity code
    gname: str  # declared name (Chinese)
    gmodel: str  # declaration elements joined by "|"
    unit: str  # customs unit code of the quantity
    qty: Decimal
    unit1: str  # legal unit of the HS line
    qty1: Decimal
    price: Decimal
    total_price: Decimal
    bar_code: str = ""  # GTIN, else "无"
    unit2: str = ""
    qty2: Decimal | None = None
    item_record_no: str = ""  # 1210: the bonded account book's item number
    item_describe: str = ""


@dataclass(frozen=True)
class Declaration:
    mode: Mode
    order_no: str
    cop_no: str  # our own number of the list
    app_time: datetime.datetime
    platform: Party  # ebp
    ecommerce: Party  # ebc (consignor)
    logistics: Party
    payment: Party
    agent: Party  # declaring customs broker
    owner: Party  # producer / seller of the goods
    transfer: Transfer
    currency: str  # ISO 4217 of goods values
    customs_code: str  # 4-digit declaring customs
    port_code: str  # 4-digit exit port customs
    export_date: datetime.date
    statistics_flag: StatisticsFlag
    traf_mode: str
    country: str  # ISO 3166-1 alpha-2 of destination
    pod: str  # port of destination code
    freight: Decimal
    freight_currency: str
    insured_fee: Decimal
    insurance_currency: str
    wrap_type: str
    pack_no: int
    gross_weight: Decimal
    net_weight: Decimal
    logistics_no: str
    goods_info: str
    pay_no: str
    paid_at: datetime.datetime
    lines: tuple[Line, ...]
    order_type: OrderType | None = None  # None: the mode's own
    bonded_warehouse: Party | None = None  # iac, 1210
    ems_no: str = ""  # bonded account book, 1210
    traf_name: str = ""
    voyage_no: str = ""
    bill_no: str = ""
    license_no: str = ""
    invt_no: str = ""
    pre_no: str = ""
    note: str = ""
    # Facts about the goods the rules need: any line's HS code needs an export licence or
    # carries export duty; the seller asks for the VAT rebate.
    licence_or_duty: bool = False
    wants_vat_rebate: bool = False

    @property
    def effective_order_type(self) -> OrderType:
        return self.order_type or ORDER_TYPE_FOR_MODE[self.mode]

    @property
    def goods_value(self) -> Decimal:
        return sum((line.total_price for line in self.lines), Decimal(0))


def five_places(value: Decimal) -> Decimal:
    return value.quantize(FIVE_PLACES)


def check_declaration(declaration: Declaration) -> list[Problem]:
    """Every rule the declaration breaks, each named (an empty list when it passes)."""
    problems: list[Problem] = []
    add = problems.append
    mode = declaration.mode
    expected_type = ORDER_TYPE_FOR_MODE[mode]
    if declaration.effective_order_type != expected_type:
        add(
            Problem(
                "order_type_of_mode",
                "orderType",
                f"mode {mode} takes order type {expected_type}, "
                f"not {declaration.effective_order_type}",
            )
        )
    if declaration.statistics_flag is StatisticsFlag.SIMPLIFIED:
        if mode is not Mode.B2C:
            add(
                Problem(
                    "simplified_only_9610",
                    "statisticsFlag",
                    f"simplified declaration (A) is for 9610 parcels only, not {mode}",
                )
            )
        if declaration.licence_or_duty:
            add(
                Problem(
                    "simplified_without_licence_or_duty",
                    "statisticsFlag",
                    "simplified declaration (A) is not allowed for goods that need an export "
                    "licence or pay export duty",
                )
            )
        if declaration.wants_vat_rebate:
            add(
                Problem(
                    "simplified_without_vat_rebate",
                    "statisticsFlag",
                    "a VAT rebate needs the summary declaration (B), not the simplified one (A)",
                )
            )
    _check_bonded(declaration, add)
    _check_parties(declaration, add)
    _check_lines(declaration, add)
    _check_codes(declaration, add)
    if declaration.gross_weight < declaration.net_weight:
        add(
            Problem(
                "gross_weight_at_least_net",
                "grossWeight",
                f"gross weight {declaration.gross_weight} kg is less than the net weight "
                f"{declaration.net_weight} kg",
            )
        )
    if declaration.net_weight <= 0:
        add(Problem("net_weight_positive", "netWeight", "the net weight must be more than 0 kg"))
    if declaration.pack_no < 1:
        add(Problem("packages_at_least_1", "packNo", "there must be at least one package"))
    for name, value in (("freight", declaration.freight), ("insuredFee", declaration.insured_fee)):
        if value < 0:
            add(Problem("amount_not_negative", name, f"{value} is negative"))
    if declaration.invt_no and not _INVT_NO.match(declaration.invt_no):
        add(
            Problem(
                "invt_no_format",
                "invtNo",
                f"{declaration.invt_no!r} is not a customs list number (4-digit district, "
                "4-digit year, I or E, 9 to 11 digits)",
            )
        )
    for name, code in (
        ("customsCode", declaration.customs_code),
        ("portCode", declaration.port_code),
    ):
        if not (len(code) == 4 and code.isdigit()):
            add(Problem("customs_district_code", name, f"{code!r} is not a 4-digit customs code"))
    if not 3 <= len(declaration.pod) <= 4:
        add(Problem("pod_length", "POD", "the destination port code has 3 or 4 characters"))
    if not 1 <= len(declaration.logistics_no) <= 32:
        add(Problem("logistics_no_length", "logisticsNo", "1 to 32 characters"))
    if not 1 <= len(declaration.order_no) <= 60:
        add(Problem("order_no_length", "orderNo", "1 to 60 characters"))
    if not 1 <= len(declaration.cop_no) <= 30:
        add(Problem("cop_no_length", "copNo", "1 to 30 characters"))
    return problems


def ensure_valid(declaration: Declaration) -> None:
    problems = check_declaration(declaration)
    if problems:
        raise DeclarationError(problems)


def _check_bonded(declaration: Declaration, add: _Add) -> None:
    if declaration.mode is Mode.BONDED:
        if declaration.bonded_warehouse is None:
            add(
                Problem(
                    "bonded_needs_warehouse",
                    "iacCode",
                    "1210 needs the bonded-zone warehouse (iacCode, iacName)",
                )
            )
        if not declaration.ems_no:
            add(Problem("bonded_needs_account_book", "emsNo", "1210 needs the account book no."))
        for line in declaration.lines:
            if not line.item_record_no:
                add(
                    Problem(
                        "bonded_needs_item_record_no",
                        f"InventoryList[{line.gnum}].itemRecordNo",
                        "1210 needs the account book's item number on every line",
                    )
                )
    elif declaration.bonded_warehouse or declaration.ems_no:
        add(
            Problem(
                "bonded_fields_only_1210",
                "iacCode",
                f"the bonded warehouse and account book belong to 1210, not {declaration.mode}",
            )
        )


def _check_parties(declaration: Declaration, add: _Add) -> None:
    foreign_platform_allowed = declaration.mode in (Mode.B2B, Mode.WAREHOUSE)
    parties = [
        ("ebpCode", declaration.platform, foreign_platform_allowed),
        ("ebcCode", declaration.ecommerce, False),
        ("logisticsCode", declaration.logistics, False),
        ("payCode", declaration.payment, False),
        ("agentCode", declaration.agent, False),
        ("ownerCode", declaration.owner, False),
    ]
    if declaration.bonded_warehouse is not None:
        parties.append(("iacCode", declaration.bonded_warehouse, False))
    for name, party, allow_no_code in parties:
        if party.code.strip() == NO_CODE and not allow_no_code:
            add(
                Problem(
                    "no_code_only_foreign_platform",
                    name,
                    '"无" (no code) is allowed only for a foreign platform in 9710 and 9810',
                )
            )
            continue
        try:
            validate_party_code(party.code, allow_no_code=allow_no_code)
        except PartyCodeError as error:
            add(Problem("party_code", name, str(error)))
        if not party.name.strip():
            add(Problem("party_name", name.replace("Code", "Name"), "the name is missing"))


def _check_lines(declaration: Declaration, add: _Add) -> None:
    lines = declaration.lines
    if not lines:
        add(Problem("lines_at_least_1", "InventoryList", "a declaration needs at least one line"))
    if len(lines) > MAX_LINES:
        add(
            Problem(
                "lines_at_most_100",
                "InventoryList",
                f"{len(lines)} lines; one list takes at most {MAX_LINES}: split the order",
            )
        )
    gnums = [line.gnum for line in lines]
    if gnums != list(range(1, len(lines) + 1)):
        add(Problem("gnum_contiguous", "InventoryList.gnum", f"line numbers {gnums} not 1, 2, …"))
    for line in lines:
        where = f"InventoryList[{line.gnum}]"
        try:
            parse_hs(line.gcode)
            if len(line.gcode) != 10:
                raise HSCodeError(f"gcode {line.gcode!r} must be the 10 digits, without CIQ")
        except HSCodeError as error:
            add(Problem("hs_code", f"{where}.gcode", str(error)))
        if line.qty <= 0 or line.qty1 <= 0:
            add(Problem("quantity_positive", f"{where}.qty", "quantities must be more than 0"))
        if five_places(line.total_price) != five_places(line.qty * line.price):
            add(
                Problem(
                    "line_total_is_qty_times_price",
                    f"{where}.totalPrice",
                    f"{line.total_price} is not {line.qty} × {line.price} = "
                    f"{five_places(line.qty * line.price)}",
                )
            )
        if len(line.gmodel) > 250 or not line.gmodel.strip():
            add(Problem("gmodel_length", f"{where}.gmodel", "1 to 250 characters"))
        if len(line.item_no) > 20 or not line.item_no:
            add(Problem("item_no_length", f"{where}.itemNo", "1 to 20 characters"))


def _check_codes(declaration: Declaration, add: _Add) -> None:
    for name, iso in (
        ("currency", declaration.currency),
        ("fCurrency", declaration.freight_currency),
        ("iCurrency", declaration.insurance_currency),
    ):
        try:
            codelists.customs_currency(iso)
        except CurrencyError as error:
            add(Problem("code_list.currency", name, str(error)))
    try:
        codelists.customs_country(declaration.country)
    except CodeListError as error:
        add(Problem("code_list.country", "country", str(error)))
    if declaration.traf_mode not in codelists.transport_modes():
        add(Problem("code_list.transport", "trafMode", f"{declaration.traf_mode!r} is unknown"))
    if declaration.wrap_type not in codelists.package_types():
        add(Problem("code_list.package", "wrapType", f"{declaration.wrap_type!r} is unknown"))
    units = codelists.units()
    for line in declaration.lines:
        for name, code in (("unit", line.unit), ("unit1", line.unit1), ("unit2", line.unit2)):
            if (code or name != "unit2") and code not in units:
                add(
                    Problem(
                        "code_list.unit",
                        f"InventoryList[{line.gnum}].{name}",
                        f"{code!r} is not a customs unit code",
                    )
                )


def logistics_no_reused(
    logistics_code: str,
    logistics_no: str,
    day: datetime.date,
    earlier: Iterable[tuple[str, str, datetime.date]],
) -> bool:
    """True when the logistics company used this number within 180 days of `day` (REV: a
    `logisticsNo` is unique per logistics company within six months)."""
    window = datetime.timedelta(days=LOGISTICS_NO_UNIQUE_DAYS)
    return any(
        code == logistics_code and number == logistics_no and abs(day - used) <= window
        for code, number, used in earlier
    )
