"""The demo's village panel: 白河县 (a neighbour in the demo province) with twenty villages whose
service stations opened in staggered years, a seller in each and ten years of its sales,
simulated with a known effect of the station so that the village DiD (impact.panels,
rollout ``station``, outcome ``platform_sales``) has a true answer to recover.

青山县's own history is two years of orders replayed through the shop, with its stations opened
inside them: too short for a village DiD, and other demo pages and tests count it. 白河县 is a
county of its own, so its history changes nothing of 青山县's.

A village's yearly sales are its level, plus a year effect shared by all villages (growth and
the year's shock, which the DiD differences away), plus small noise, plus
``data.STATION_EFFECT`` yuan from the year its station opened on. They are sold as two
consolidated orders a year per seller (spring and autumn) to the county's wholesale buyer: rows
written in bulk (one insert per table and half-year, under the clock of the day), shaped as the
shop's services shape them: a bank transfer paid, packed, shipped, delivered and completed, with
its events, payment and shipment, the order's total its one line. Places, stations, sellers and
products go through the services a county uses (audited); each product is put on sale with what
it will sell over the years and what is left today (put on minus shipped is its stock). The
bulk history is audited once, labelled as simulated, as are the sellers' stories and the
products' descriptions.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from countyhub.catalog.models import Brand, Category, Product, Seller, SellerKind, Stock
from countyhub.catalog.services import create_product
from countyhub.core.audit import record_audit, save_with_audit
from countyhub.core.models import County, Township, Village
from countyhub.demo import data
from countyhub.demo.accounts import demo_user
from countyhub.demo.clock import pinned
from countyhub.shop.models import (
    BuyerKind,
    Checkout,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    PurchaseUse,
    Shipment,
)
from countyhub.stations.models import StationService
from countyhub.stations.services import save_station

SIMULATED = "演示模拟数据，非真实销售（simulated for the countyhub demo）"
STORY = (
    "{village}的合作社，每年春秋两季把村里的产品集中卖给县里的批发客户。" + SIMULATED + "：村级"
    "水平 + 各村共同的年份效应 + 小噪声（seed {seed}），服务站开通当年起每年 +{effect} 元，"
    "已知效应。"
)
STORY_EN = (
    "The cooperative of {village}, selling the village's produce to the county's wholesale "
    "buyer in spring and autumn. Simulated for the demo: a village level, a year effect shared "
    "by all villages and small noise (seed {seed}), plus a known effect of {effect} yuan a year "
    "from the year the village's service station opened."
)
WAREHOUSE = ("青山省省会市物流园 8 号仓", "520102")
# The season's consolidated order: placed in the morning, paid two hours later, and so on.
STEPS = (
    (OrderStatus.PAID, datetime.timedelta(hours=2)),
    (OrderStatus.PACKED, datetime.timedelta(hours=20)),
    (OrderStatus.SHIPPED, datetime.timedelta(days=1)),
    (OrderStatus.DELIVERED, datetime.timedelta(days=3)),
    (OrderStatus.COMPLETED, datetime.timedelta(days=5)),
)
SEASONS = ((4, 15), (10, 15))  # (month, day) of the spring and autumn orders
LEFT_IN_STOCK = Decimal("50")


@dataclass(frozen=True)
class VillageSeller:
    village: Village
    seller: Seller
    product: Product
    opened: int | None  # the year its station opened
    units: list[Decimal]  # sold in each of the two orders of each year

    @staticmethod
    def units_of(sales: list[Decimal], price: Decimal) -> list[Decimal]:
        """The year's sales in two equal orders of whole units (the rest is not sold)."""
        return [amount // (2 * price) for amount in sales]


def rollout_county(county: County) -> County | None:
    """The neighbour of ``county``'s province that holds the village panel, if built."""
    return County.objects.filter(province_id=county.province_id, slug=data.ROLLOUT_COUNTY).first()


def has_village_history(county: County) -> bool:
    target = rollout_county(county)
    return target is not None and Village.objects.filter(county=target).exists()


def rollout_years() -> range:
    this_year = timezone.localdate().year
    return range(this_year - data.ROLLOUT_YEARS, this_year)


def build_village_history(county: County, admin: Any) -> str:
    """白河县's villages, stations, sellers and products, and their sales history (module doc)."""
    target = rollout_county(county)
    if target is None:
        raise RuntimeError(f"the demo province has no county {data.ROLLOUT_COUNTY!r}")
    years = rollout_years()
    this_year = timezone.localdate().year
    openings = [
        None if ago is None else this_year - ago
        for villages in data.ROLLOUT_TOWNSHIPS.values()
        for _name, ago in villages
    ]
    sales = simulated_sales(openings, years)
    # Everything the county entered is dated January of the first year (the sellers joined
    # then: their records are the rollout ``seller``), the stations on their opening day, in
    # March, before the year's first order.
    with pinned(_moment(target, years[0], 1, 10)):
        villages = _places_and_sellers(target, admin, sales, openings)
    for entry in villages:
        if entry.opened is not None:
            opened_on = datetime.date(entry.opened, 3, 1)
            with pinned(_moment(target, entry.opened, 3, 1)):
                _station(entry.village, admin, opened_on)
    buyer = demo_user("demo-wholesale", password=None)
    orders = 0
    for y, year in enumerate(years):
        for half, (month, day) in enumerate(SEASONS):
            placed = _moment(target, year, month, day)
            orders += _season_orders(villages, y, half, placed, buyer, admin)
    # Shipping took what was sold: what is left is on sale today.
    Stock.objects.filter(product__in=[e.product for e in villages]).update(quantity=LEFT_IN_STOCK)
    record_audit(
        actor=admin,
        action="demo.village_history_loaded",
        target=target,
        county=target,
        changes={
            "simulated": SIMULATED,
            "orders": orders,
            "years": [years[0], years[-1]],
            "station_effect": data.STATION_EFFECT,
            "seed": data.ROLLOUT_SEED,
        },
    )
    cohorts = sorted({e.opened for e in villages if e.opened is not None})
    return (
        f"{target.name}: {len(villages)} villages, stations opened in "
        f"{', '.join(map(str, cohorts))}, {orders} simulated orders {years[0]}-{years[-1]}"
    )


def simulated_sales(openings: list[int | None], years: range) -> list[list[Decimal]]:
    """Each village's sales (yuan) by year: level + shared year effect + noise + the known
    effect from the opening year; rounded to whole yuan."""
    rng = random.Random(data.ROLLOUT_SEED)
    year_effect = [2500 * k + rng.gauss(0, 1500) for k in range(len(years))]
    effect = float(data.STATION_EFFECT)
    sales = []
    for opened in openings:
        level = rng.uniform(30_000, 80_000)
        row = []
        for k, year in enumerate(years):
            value = level + year_effect[k] + rng.gauss(0, 1500)
            if opened is not None and year >= opened:
                value += effect
            row.append(Decimal(round(max(value, 0))))
        sales.append(row)
    return sales


def _moment(county: County, year: int, month: int, day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=county.zone)


def _places_and_sellers(
    county: County, admin: Any, sales: list[list[Decimal]], openings: list[int | None]
) -> list[VillageSeller]:
    """Townships, villages, a seller and its product in each, as county staff enter them; the
    product is put on sale with all it will sell over the years and what is left today."""

    def save(instance: Any) -> Any:
        return save_with_audit(actor=admin, instance=instance, county=county)

    brand = save(
        Brand(county=county, slug="baihe", name="白河山货", name_en="Baihe Mountain Goods")
    )
    category = save(
        Category(county=county, slug="produce", name="山区农产品", name_en="Mountain produce")
    )
    entries = []
    index = 0
    for township_name, villages in data.ROLLOUT_TOWNSHIPS.items():
        township = save(Township(county=county, name=township_name))
        for name, _years_ago in villages:
            village = save(
                Village(
                    county=county,
                    township=township,
                    name=name,
                    distance_to_seat_km=Decimal(4 + 3 * (index % 8)),
                )
            )
            story = {"village": name, "seed": data.ROLLOUT_SEED, "effect": data.STATION_EFFECT}
            seller = save(
                Seller(
                    county=county,
                    name=f"{county.name}{name}农产品专业合作社",
                    name_en=f"{county.name_en} {name} Farmers' Cooperative",
                    kind=SellerKind.COOPERATIVE,
                    village=village,
                    contact_name="负责人",
                    phone=f"1390810{index:04d}",
                    story=STORY.format(**story),
                    story_en=STORY_EN.format(**story),
                )
            )
            product_name, name_en, unit, price = data.ROLLOUT_PRODUCTS[
                index % len(data.ROLLOUT_PRODUCTS)
            ]
            units = VillageSeller.units_of(sales[index], Decimal(price))
            product = create_product(
                stock_quantity=2 * sum(units, Decimal(0)) + LEFT_IN_STOCK,
                actor=admin,
                county=county,
                seller=seller,
                brand=brand,
                category=category,
                name=f"{name}{product_name}",
                name_en=f"{name_en} from {name}",
                description=f"{name_en}。{SIMULATED}",
                unit=unit,
                price=Decimal(price),
            )
            entries.append(VillageSeller(village, seller, product, openings[index], units))
            index += 1
    return entries


def _station(village: Village, admin: Any, opened_on: datetime.date) -> None:
    save_station(
        village=village,
        actor=admin,
        operator_name=f"{village.name}站长",
        address=f"{village.name}村委会",
        opening_hours="08:00-18:00",
        services=list(StationService.values[:2]),
        latitude=Decimal("26.9") + Decimal(village.pk % 20) / 100,
        longitude=Decimal("107.3") + Decimal(village.pk % 20) / 100,
        opened_on=opened_on,
    )


def _season_orders(
    villages: list[VillageSeller],
    y: int,
    half: int,
    placed: datetime.datetime,
    buyer: Any,
    admin: Any,
) -> int:
    """Every village seller's consolidated order of the season (year ``y`` of the panel, its
    first or second half), written table by table under the clock of each step; returns how
    many."""
    county = villages[0].village.county
    planned = [
        (v, entry, entry.units[y], entry.units[y] * entry.product.price)
        for v, entry in enumerate(villages)
        if entry.units[y]
    ]
    with pinned(placed):
        checkouts = Checkout.objects.bulk_create(
            Checkout(
                county=county,
                buyer=buyer,
                idempotency_key=f"demo-{county.slug}-{placed:%Y}-{half}-{v}",
                request_fingerprint="demo",
            )
            for v, _e, _u, _a in planned
        )
        orders = Order.objects.bulk_create(
            Order(
                county=county,
                number=f"{placed:%Y%m%d}-{county.slug.upper()}{v:03d}",
                checkout=checkout,
                buyer=buyer,
                seller=entry.seller,
                status=OrderStatus.COMPLETED,
                delivery_method=DeliveryMethod.HOME,
                recipient_name="批发部收货员",
                phone="13800002222",
                address=WAREHOUSE[0],
                region_code=WAREHOUSE[1],
                payment_method=PaymentMethod.BANK_TRANSFER,
                total=amount,
                buyer_kind=BuyerKind.ENTERPRISE,
                purchase_use=PurchaseUse.INVENTORY,
                placed_at=placed,
            )
            for checkout, (v, entry, _u, amount) in zip(checkouts, planned, strict=True)
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=entry.product,
                product_name=entry.product.name,
                unit=entry.product.unit,
                quantity=units,
                unit_price=entry.product.price,
                line_total=amount,
            )
            for order, (_v, entry, units, amount) in zip(orders, planned, strict=True)
        )
    steps = dict(STEPS)
    with pinned(placed + steps[OrderStatus.PAID]):
        Payment.objects.bulk_create(
            Payment(
                order=order,
                method=PaymentMethod.BANK_TRANSFER,
                amount=order.total,
                status=PaymentStatus.RECEIVED,
                reference=f"DEMO-{order.number}",
                received_at=placed + steps[OrderStatus.PAID],
            )
            for order in orders
        )
    with pinned(placed + steps[OrderStatus.SHIPPED]):
        Shipment.objects.bulk_create(
            Shipment(
                order=order,
                carrier="县域物流共同配送",
                tracking_number=f"BH{order.number.replace('-', '')}",
                shipped_at=placed + steps[OrderStatus.SHIPPED],
            )
            for order in orders
        )
    events = []
    for order in orders:
        events.append(
            OrderEvent(order=order, to_status=OrderStatus.PLACED, actor=buyer, created_at=placed)
        )
        before = OrderStatus.PLACED
        for status, after in STEPS:
            actor = buyer if status == OrderStatus.COMPLETED else admin
            events.append(
                OrderEvent(
                    order=order,
                    from_status=before,
                    to_status=status,
                    actor=actor,
                    created_at=placed + after,
                )
            )
            before = status
    OrderEvent.objects.bulk_create(events)
    return len(orders)
