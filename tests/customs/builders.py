"""Plain declarations for the customs library's tests: one valid per mode, changed by replace()."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

from countyhub.customs.declaration import (
    Declaration,
    Line,
    Mode,
    Party,
    StatisticsFlag,
    Transfer,
)
from countyhub.customs.messages import BEIJING

# Unified social credit codes with correct check characters (GB 32100).
COOPERATIVE_USCC = "93330782MA2E12340R"
PLATFORM_USCC = "91330100MA27XY0105"
LOGISTICS_USCC = "91110108MA01ABCD0B"
PAYMENT_USCC = "91330782MA28C3N90X"
AGENT_CUSTOMS_CODE = "3307980123"


def line(gnum: int = 1, **changes) -> Line:
    base = Line(
        gnum=gnum,
        item_no=f"TEA-{gnum:03d}",
        item_name="高山绿茶",
        gcode="0902109000",
        gname="绿茶",
        gmodel="0|0|绿茶|每包250克|无品牌",
        unit="035",
        qty=Decimal("2.5"),
        unit1="035",
        qty1=Decimal("2.5"),
        price=Decimal("14.04"),
        total_price=Decimal("35.1"),
        bar_code="06901234567892",
    )
    return dataclasses.replace(base, **changes)


def declaration(mode: Mode = Mode.B2C, **changes) -> Declaration:
    base = Declaration(
        mode=mode,
        order_no="EX202612070001",
        cop_no="CB-2026-0001",
        app_time=datetime.datetime(2026, 12, 7, 9, 30, 0, tzinfo=BEIJING),
        platform=Party(PLATFORM_USCC, "云岭跨境商城有限公司"),
        ecommerce=Party(COOPERATIVE_USCC, "高山茶叶专业合作社", "0871-5551234"),
        logistics=Party(LOGISTICS_USCC, "云岭国际物流有限公司"),
        payment=Party(PAYMENT_USCC, "云岭支付有限公司"),
        agent=Party(AGENT_CUSTOMS_CODE, "昆明报关行"),
        owner=Party(COOPERATIVE_USCC, "高山茶叶专业合作社"),
        transfer=Transfer(COOPERATIVE_USCC, "高山茶叶专业合作社", "DXPENT0000012345"),
        currency="USD",
        customs_code="8601",
        port_code="8601",
        export_date=datetime.date(2026, 12, 8),
        statistics_flag=StatisticsFlag.SUMMARY,
        traf_mode="5",
        country="US",
        pod="LAX",
        freight=Decimal("12.5"),
        freight_currency="USD",
        insured_fee=Decimal("0"),
        insurance_currency="USD",
        wrap_type="2",
        pack_no=1,
        gross_weight=Decimal("2.9"),
        net_weight=Decimal("2.5"),
        logistics_no="YL2026120700001",
        goods_info="green tea",
        pay_no="PAY20261207001",
        paid_at=datetime.datetime(2026, 12, 7, 9, 0, 0, tzinfo=BEIJING),
        lines=(line(),),
    )
    if mode is Mode.BONDED:
        base = dataclasses.replace(
            base,
            bonded_warehouse=Party("8601660001", "昆明综合保税区仓库"),
            ems_no="T86016000001",
            lines=(line(item_record_no="1"),),
        )
    return dataclasses.replace(base, **changes)
