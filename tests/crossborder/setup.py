"""A county ready to export: USD rates, an HS table, parties, trade data, and shop orders."""

from __future__ import annotations

import datetime
from decimal import Decimal

from countyhub.crossborder import services
from countyhub.crossborder.models import (
    ComplianceKind,
    ComplianceRecord,
    HSCode,
    PartyRole,
    RateSource,
    TradeParty,
)
from countyhub.shop.models import OrderLine
from tests.customs.builders import (
    AGENT_CUSTOMS_CODE,
    COOPERATIVE_USCC,
    LOGISTICS_USCC,
    PAYMENT_USCC,
    PLATFORM_USCC,
)
from tests.factories.programs import make_order

DAY = datetime.date(2026, 12, 7)
RATE = Decimal("7.1234")


def hs_table() -> None:
    HSCode.objects.create(
        code="0902109000",
        valid_from=datetime.date(2026, 1, 1),
        name_zh="其他绿茶",
        name_en="Other green tea, packs ≤3 kg",
        unit1="035",
        supervision_conditions="AB",
        inspection_category="P.R/Q.S",
        declaration_elements="品牌类型|出口享惠情况|种类|包装规格",
    )
    HSCode.objects.create(
        code="0409000000",
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2026, 12, 31),
        name_zh="天然蜂蜜",
        name_en="Natural honey",
        unit1="035",
        supervision_conditions="AB",
        inspection_category="R/S",
    )


def parties(county, seller) -> dict[str, TradeParty]:
    made = {}
    for role, code, name in (
        (PartyRole.PLATFORM, PLATFORM_USCC, "云岭跨境商城有限公司"),
        (PartyRole.ECOMMERCE, COOPERATIVE_USCC, "高山茶叶专业合作社"),
        (PartyRole.LOGISTICS, LOGISTICS_USCC, "云岭国际物流有限公司"),
        (PartyRole.PAYMENT, PAYMENT_USCC, "云岭支付有限公司"),
        (PartyRole.AGENT, AGENT_CUSTOMS_CODE, "昆明报关行"),
        (PartyRole.PRODUCER, COOPERATIVE_USCC, "高山茶叶专业合作社"),
    ):
        party = TradeParty(
            county=county,
            role=role,
            code=code,
            name=name,
            name_en="Alpine Tea Cooperative" if role == PartyRole.PRODUCER else "",
            address="云南省某县茶山村",
            dxp_id="DXPENT0000012345",
            seller=seller if role == PartyRole.PRODUCER else None,
        )
        made[role.value] = services.save_party(actor=None, party=party)
    return made


def trade_data(product, producer, **changes):
    values = {
        "hs_code": "0902.1090.00",
        "declared_name_zh": "高山绿茶",
        "declared_name_en": "Alpine green tea",
        "gmodel": "0|0|绿茶|250克/袋|无品牌",
        "producer": producer,
        "customs_unit": "035",
        "net_weight": Decimal("1"),
        "gross_weight": Decimal("1.2"),
        "length_cm": Decimal("20"),
        "width_cm": Decimal("10"),
        "height_cm": Decimal("10"),
    }
    values.update(changes)
    return services.save_trade_data(actor=None, product=product, **values)


def compliance(producer, **changes):
    values = {
        "county": producer.county,
        "producer": producer,
        "kind": ComplianceKind.FOOD_PRODUCER_FILING,
        "number": "5300/15001",
        "issued_on": datetime.date(2026, 1, 1),
        "expires_on": datetime.date(2027, 12, 31),
        "destinations": "",
        "hs_codes": "0902 0409",
    }
    values.update(changes)
    return services.save_compliance_record(actor=None, record=ComplianceRecord(**values))


def shop_order(seller, product, quantity="3", unit_price="100.00"):
    quantity, unit_price = Decimal(quantity), Decimal(unit_price)
    order = make_order(seller, day=DAY, total=str(quantity * unit_price))
    OrderLine.objects.create(
        order=order,
        product=product,
        product_name=product.name,
        unit="kg",
        quantity=quantity,
        unit_price=unit_price,
        line_total=quantity * unit_price,
    )
    return order


def export_fields(made, **changes):
    values = {
        "mode": "9610",
        "currency": "USD",
        "incoterm": "CIF",
        "incoterm_place": "Los Angeles",
        "platform": made["platform"],
        "ecommerce": made["ecommerce"],
        "logistics": made["logistics"],
        "payment": made["payment"],
        "agent": made["agent"],
        "producer": made["producer"],
        "consignee_name": "Jane Doe",
        "consignee_address": "1 Main St, Los Angeles CA 90001",
        "destination": "US",
        "pod": "LAX",
        "customs_code": "8601",
        "port_code": "8601",
        "export_date": DAY,
        "traf_mode": "5",
        "wrap_type": "2",
        "pack_no": 1,
        "freight": Decimal("12.50"),
        "insured_fee": Decimal("1.00"),
        "logistics_no": "YL2026120700001",
        "goods_info": "green tea",
        "pay_no": "PAY001",
        "paid_at": datetime.datetime(2026, 12, 7, 1, 0, tzinfo=datetime.UTC),
    }
    values.update(changes)
    return values


def ready(world):
    """Rates, the HS table, parties, trade data and a compliance record for world.product."""
    services.record_rate(actor=None, currency="USD", day=DAY, source=RateSource.PBOC, rate=RATE)
    hs_table()
    made = parties(world.county, world.seller)
    trade_data(world.product, made["producer"])
    compliance(made["producer"])
    return made
