"""Cross-border exports in the demo: USD rates of the last weeks, the county products' HS code
table (hs-codes.csv, checked yearly against the tariff), the trade parties, trade data of the
tea, honey and mushroom products, the cooperatives' export food filings, and two export orders
(a 9610 parcel of green tea, a 9710 B2B consignment of honey) with their documents and a
customs status history."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from countyhub.catalog.models import Product, Seller
from countyhub.channels.models import Channel, ChannelKind, Charm, ListingStatus, Platform
from countyhub.channels.services import create_channel, save_listing
from countyhub.core.local_time import local_date
from countyhub.crossborder import services
from countyhub.crossborder.models import (
    ComplianceKind,
    ComplianceRecord,
    PartyRole,
    RateSource,
    TradeParty,
)
from countyhub.shop.models import Order, OrderStatus

HS_TABLE = Path(__file__).with_name("hs-codes.csv")
# Unified social credit codes of the demo parties (valid check characters, invented companies).
PARTIES = [
    (PartyRole.PLATFORM, "91330100MA27XY0105", "云岭跨境商城有限公司", "Yunling Cross-border Mall"),
    (PartyRole.LOGISTICS, "91110108MA01ABCD0B", "云岭国际物流有限公司", "Yunling Logistics"),
    (PartyRole.PAYMENT, "91330782MA28C3N90X", "云岭支付有限公司", "Yunling Pay"),
    (PartyRole.AGENT, "3307980123", "青山报关行", "Qingshan Customs Brokers"),
]
PRODUCERS = {
    "云雾茶叶专业合作社": ("93522732MA6H5K700B", "Cloud-mist Tea Cooperative"),
    "白云蜂业合作社": ("93330782MA2E12340R", "Baiyun Bee Cooperative"),
    "红岩山珍合作社": ("93522732MA6H5K8001", "Hongyan Mountain Produce Cooperative"),
}
# Product name → (HS code, declared name zh, en, declaration elements, customs unit, net kg,
# gross kg, dimensions cm)
TRADE_DATA = {
    "明前云雾绿茶": (
        "0902109000",
        "绿茶",
        "Green tea (pre-Qingming)",
        "0|0|绿茶|250克/盒|青山",
        "140",
        "0.25",
        "0.42",
        ("18", "9", "9"),
    ),
    "高山红茶": (
        "0902309000",
        "红茶",
        "Black tea",
        "0|0|红茶|250克/盒|青山",
        "140",
        "0.25",
        "0.40",
        ("18", "9", "9"),
    ),
    "百花土蜂蜜": (
        "0409000000",
        "天然蜂蜜",
        "Natural wildflower honey",
        "0|0|天然蜂蜜|500克/瓶|青山",
        "142",
        "0.5",
        "0.85",
        ("8", "8", "14"),
    ),
    "槐花蜜": (
        "0409000000",
        "天然蜂蜜",
        "Natural acacia honey",
        "0|0|天然蜂蜜|500克/瓶|青山",
        "142",
        "0.5",
        "0.85",
        ("8", "8", "14"),
    ),
    "干香菇": (
        "0712391000",
        "干香菇",
        "Dried shiitake mushrooms",
        "0|0|干制|250克/袋|青山",
        "136",
        "0.25",
        "0.3",
        ("25", "18", "8"),
    ),
}


def _rates(admin: Any, first: datetime.date, last: datetime.date) -> None:
    day = first
    while day <= last:
        # A gently moving central parity around 7.10 CNY per USD (invented, not PBOC's).
        rate = Decimal("7.1000") + Decimal((day.toordinal() % 9) - 4) * Decimal("0.0025")
        services.record_rate(
            actor=admin, currency="USD", day=day, source=RateSource.PBOC, rate=rate
        )
        day += datetime.timedelta(days=1)


def _latest_order(county: Any, product: Product) -> Order | None:
    return (
        Order.objects.filter(
            county=county,
            lines__product=product,
            status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED],
            export__isnull=True,
        )
        .order_by("-placed_at")
        .first()
    )


def build_crossborder(county: Any, admin: Any) -> str:
    with HS_TABLE.open("rb") as table:
        services.import_hs_codes(actor=admin, upload=table, filename=HS_TABLE.name)
    parties = {
        role: services.save_party(
            actor=admin,
            party=TradeParty(
                county=county,
                role=role,
                code=code,
                name=name,
                name_en=name_en,
                dxp_id="DXPENT0000000001",
            ),
        )
        for role, code, name, name_en in PARTIES
    }
    producers = {}
    for seller_name, (code, name_en) in PRODUCERS.items():
        seller = Seller.objects.get(county=county, name=seller_name)
        for role in (PartyRole.PRODUCER, PartyRole.ECOMMERCE):
            party = services.save_party(
                actor=admin,
                party=TradeParty(
                    county=county,
                    role=role,
                    code=code,
                    name=seller_name,
                    name_en=name_en,
                    address=f"青山县{seller.village.name if seller.village else ''}",
                    dxp_id="DXPENT0000000002",
                    seller=seller,
                ),
            )
            producers[(seller_name, role)] = party
        services.save_compliance_record(
            actor=admin,
            record=ComplianceRecord(
                county=county,
                producer=producers[(seller_name, PartyRole.PRODUCER)],
                kind=ComplianceKind.FOOD_PRODUCER_FILING,
                number=f"5300/1500{len(producers)}",
                issued_on=datetime.date(2026, 1, 1),
                expires_on=datetime.date(2029, 12, 31),
            ),
        )
    products = {}
    for name, (hs, zh, en, gmodel, unit, net, gross, size) in TRADE_DATA.items():
        product = Product.objects.get(county=county, name=name)
        services.save_trade_data(
            actor=admin,
            product=product,
            hs_code=hs,
            declared_name_zh=zh,
            declared_name_en=en,
            gmodel=gmodel,
            producer=producers[(product.seller.name, PartyRole.PRODUCER)],
            customs_unit=unit,
            net_weight=Decimal(net),
            gross_weight=Decimal(gross),
            length_cm=Decimal(size[0]),
            width_cm=Decimal(size[1]),
            height_cm=Decimal(size[2]),
        )
        products[name] = product
    tea_order = _latest_order(county, products["明前云雾绿茶"])
    honey_order = _latest_order(county, products["百花土蜂蜜"])
    orders = [order for order in (tea_order, honey_order) if order is not None]
    today = timezone.localdate()
    first = min((local_date(o.placed_at, county) for o in orders), default=today)
    _rates(admin, min(first, today - datetime.timedelta(days=30)), today)
    exports = []
    plans = [
        (tea_order, "9610", "CIF", "Los Angeles", "US", "LAX", "5", "2", "A", False),
        (honey_order, "9710", "FOB", "Shanghai", "GB", "LON", "2", "5", "B", True),
    ]
    for order, mode, incoterm, place, country, pod, traf, wrap, flag, rebate in plans:
        if order is None:
            continue
        seller_name = order.seller.name
        placed = local_date(order.placed_at, county)
        export = services.create_export_order(
            actor=admin,
            order=order,
            mode=mode,
            statistics_flag=flag,
            wants_vat_rebate=rebate,
            currency="USD",
            incoterm=incoterm,
            incoterm_place=place,
            platform=parties[PartyRole.PLATFORM],
            ecommerce=producers[(seller_name, PartyRole.ECOMMERCE)],
            logistics=parties[PartyRole.LOGISTICS],
            payment=parties[PartyRole.PAYMENT],
            agent=parties[PartyRole.AGENT],
            producer=producers[(seller_name, PartyRole.PRODUCER)],
            consignee_name="Jane Miller" if country == "US" else "Hedgerow Foods Ltd",
            consignee_address="12 Ocean Ave, Los Angeles CA 90001"
            if country == "US"
            else "4 Mill Lane, London E1 6AN",
            destination=country,
            pod=pod,
            customs_code="8601",
            port_code="8601",
            export_date=placed + datetime.timedelta(days=1),
            traf_mode=traf,
            wrap_type=wrap,
            pack_no=1,
            freight=Decimal("18.00") if incoterm == "CIF" else Decimal("0"),
            insured_fee=Decimal("1.50") if incoterm == "CIF" else Decimal("0"),
            logistics_no=f"QS{order.number[-12:]}",
            goods_info="tea" if mode == "9610" else "honey",
            pay_no=f"PAY{order.number[-12:]}",
            paid_at=order.placed_at,
            marks=f"QINGSHAN/{order.number}",
        )
        services.issue_documents(
            actor=admin, export=export, issued_on=placed + datetime.timedelta(days=1)
        )
        sent = order.placed_at + datetime.timedelta(days=1)
        history = [(2, 0), (120, 1), (800, 5)] if mode == "9610" else [(2, 0), (120, 2), (399, 30)]
        for code, hours in history:
            services.record_status(
                actor=admin,
                export=export,
                code=code,
                at=sent + datetime.timedelta(hours=hours),
                info="demo",
            )
        exports.append(export)
    _abroad_channel(county, admin, list(products.values()))
    return f"{len(TRADE_DATA)} products with trade data, {len(exports)} export orders"


def _abroad_channel(county: Any, admin: Any, products: list[Product]) -> Channel:
    """A cross-border marketplace shop selling to the United States in USD, its prices by its
    rule (20 % over the CNY price, at the day's rate, ending in .99), every product with trade
    data listed."""
    channel = create_channel(
        actor=admin,
        county=county,
        code="abroad-us",
        name="云岭跨境商城（美国站）",
        kind=ChannelKind.CROSSBORDER,
        platform=Platform.OTHER,
        currency="USD",
        markup_percent=Decimal(20),
        charm=Charm.X99,
        destination="US",
    )
    for product in products:
        save_listing(
            actor=admin,
            channel=channel,
            product=product,
            external_id=f"US-{product.pk:06d}",
            status=ListingStatus.LISTED,
        )
    return channel
