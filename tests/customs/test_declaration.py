import dataclasses
import datetime
from decimal import Decimal

import pytest

from countyhub.customs.declaration import (
    Mode,
    OrderType,
    Party,
    StatisticsFlag,
    check_declaration,
    ensure_valid,
    logistics_no_reused,
)
from countyhub.customs.errors import DeclarationError

from .builders import declaration, line


def rules(decl):
    return [problem.rule for problem in check_declaration(decl)]


@pytest.mark.parametrize("mode", list(Mode))
def test_a_complete_declaration_passes_in_every_mode(mode):
    decl = declaration(mode)
    assert check_declaration(decl) == []
    ensure_valid(decl)


@pytest.mark.parametrize(
    ("mode", "order_type"),
    [(Mode.B2C, "E"), (Mode.BONDED, "E"), (Mode.B2B, "B"), (Mode.WAREHOUSE, "W")],
)
def test_each_mode_has_its_order_type(mode, order_type):
    assert declaration(mode).effective_order_type == order_type


def test_a_wrong_order_type_is_named():
    assert rules(declaration(Mode.B2B, order_type=OrderType.B2C)) == ["order_type_of_mode"]
    assert rules(declaration(Mode.WAREHOUSE, order_type=OrderType.B2B)) == ["order_type_of_mode"]


def test_simplified_declaration_only_for_9610_without_licence_duty_or_rebate():
    simplified = StatisticsFlag.SIMPLIFIED
    assert rules(declaration(Mode.B2C, statistics_flag=simplified)) == []
    assert rules(declaration(Mode.B2B, statistics_flag=simplified)) == ["simplified_only_9610"]
    assert rules(declaration(statistics_flag=simplified, licence_or_duty=True)) == [
        "simplified_without_licence_or_duty"
    ]
    assert rules(declaration(statistics_flag=simplified, wants_vat_rebate=True)) == [
        "simplified_without_vat_rebate"
    ]
    assert rules(declaration(wants_vat_rebate=True, licence_or_duty=True)) == []


def test_1210_needs_warehouse_account_book_and_item_record_numbers():
    bare = declaration(Mode.BONDED, bonded_warehouse=None, ems_no="", lines=(line(),))
    assert rules(bare) == [
        "bonded_needs_warehouse",
        "bonded_needs_account_book",
        "bonded_needs_item_record_no",
    ]
    assert rules(declaration(Mode.B2C, ems_no="T86016000001")) == ["bonded_fields_only_1210"]


def test_at_most_100_lines_numbered_from_1():
    lines = tuple(line(n) for n in range(1, 102))
    assert rules(declaration(lines=lines)) == ["lines_at_most_100"]
    assert rules(declaration(lines=tuple(line(n) for n in range(1, 101)))) == []
    assert rules(declaration(lines=(line(1), line(3)))) == ["gnum_contiguous"]
    assert rules(declaration(lines=())) == ["lines_at_least_1"]


def test_line_total_is_quantity_times_price_to_5_decimals():
    assert rules(declaration(lines=(line(total_price=Decimal("35.10000")),))) == []
    wrong = declaration(lines=(line(total_price=Decimal("35.11")),))
    (problem,) = check_declaration(wrong)
    assert problem.rule == "line_total_is_qty_times_price"
    assert problem.field == "InventoryList[1].totalPrice"
    assert "2.5 × 14.04 = 35.10000" in problem.message


def test_weights_parties_codes_and_hs_are_checked():
    assert rules(declaration(gross_weight=Decimal("2.4"))) == ["gross_weight_at_least_net"]
    assert rules(declaration(owner=Party("93330782MA2E12340X", "合作社"))) == ["party_code"]
    assert rules(declaration(platform=Party("无", "Foreign Mall Inc."))) == [
        "no_code_only_foreign_platform"
    ]
    assert rules(declaration(Mode.B2B, platform=Party("无", "Foreign Mall Inc."))) == []
    assert rules(declaration(lines=(line(gcode="902109000"),))) == ["hs_code"]
    assert rules(declaration(lines=(line(gcode="0902109000101"),))) == ["hs_code"]
    assert rules(declaration(currency="XOF")) == ["code_list.currency"]
    assert rules(declaration(country="ZZ")) == ["code_list.country"]
    assert rules(declaration(lines=(line(unit="aaa"),))) == ["code_list.unit"]
    assert rules(declaration(traf_mode="X", wrap_type="9")) == [
        "code_list.transport",
        "code_list.package",
    ]
    assert rules(declaration(invt_no="86012026E123")) == ["invt_no_format"]
    assert rules(declaration(invt_no="86012026E000000001")) == []


def test_ensure_valid_lists_every_problem():
    bad = dataclasses.replace(
        declaration(Mode.B2B, order_type=OrderType.B2C), gross_weight=Decimal("1")
    )
    with pytest.raises(DeclarationError) as caught:
        ensure_valid(bad)
    assert caught.value.rules == ["order_type_of_mode", "gross_weight_at_least_net"]
    assert "orderType: mode 9710 takes order type B, not E" in str(caught.value)


def test_logistics_number_unique_per_company_within_180_days():
    day = datetime.date(2026, 12, 7)
    earlier = [("LOGI", "YL1", datetime.date(2026, 6, 10)), ("OTHER", "YL2", day)]
    assert logistics_no_reused("LOGI", "YL1", day, earlier)  # 180 days before
    assert not logistics_no_reused("LOGI", "YL1", datetime.date(2026, 12, 8), earlier)
    assert not logistics_no_reused("LOGI", "YL2", day, earlier)  # another company's number
