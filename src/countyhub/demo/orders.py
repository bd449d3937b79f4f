"""The demo county's two years of orders: parcels to its village stations, orders station
operators placed for villagers, and parcels to buyers in the cities.

Each order goes the way a real one does, through the shop's services and under the clock of each
step (`demo.clock.pinned`): the buyer checks out (stock is allocated), county staff see a bank
transfer arrive, the seller packs and ships (stock leaves), the station or courier hands it over
(cash is collected), the buyer confirms receipt. So every order has its events, payment, shipment
and audit entries, and the stock adds up. Sellers restock at the start of each month what the
month will sell, so two years of sales end with the stock the catalog table gives.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from countyhub.catalog.models import Household, Product, Seller, Stock
from countyhub.catalog.services import update_product
from countyhub.core.models import Membership, Role
from countyhub.demo import data
from countyhub.demo.accounts import demo_user
from countyhub.demo.clock import on_day, pinned
from countyhub.shop import selectors, services
from countyhub.shop.models import (
    DeliveryMethod,
    Order,
    PaymentMethod,
    StationDay,
    StationHandover,
)
from countyhub.shop.services import DeliveryRequest, LineRequest, station_desk
from countyhub.stations.models import Station

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# When each step happens after the order is placed, by kind of order. Packing and shipping take
# a day; a parcel reaches its station the next day and is picked up the day after, a courier
# delivers to the cities in five.
TO_STATION = (
    ("packed", 20 * HOUR),
    ("shipped", DAY),
    ("at_station", 2 * DAY),
    ("delivered", 3 * DAY),
    ("completed", 5 * DAY),
)
FOR_VILLAGER = (
    ("packed", 20 * HOUR),
    ("shipped", DAY),
    ("at_station", 2 * DAY),
    ("delivered", 3 * DAY),
    ("completed", 3 * DAY + 2 * HOUR),
)
TO_THE_CITY = (
    ("paid", 2 * HOUR),
    ("packed", 20 * HOUR),
    ("shipped", DAY),
    ("delivered", 5 * DAY),
    ("completed", 6 * DAY),
)


@dataclass(frozen=True)
class PlannedOrder:
    """An order of the history: who orders what, when, delivered where, and its later steps."""

    placed_at: datetime.datetime
    buyer: Any
    product: Product
    quantity: Decimal
    delivery: DeliveryRequest
    steps: tuple[tuple[str, datetime.timedelta], ...]
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY
    # An order a station operator (the buyer) places for a villager: their household.
    for_villager: bool = False
    household: Household | None = None


# Why county staff confirm what a station without an operator account received and handed over.
NO_OPERATOR = "该站尚无操作员账号，由县服务中心确认交付"


class Staff:
    """Who clicks for the county, a seller and a station: the seller's staff pack and ship and
    restock (county staff for a seller without an account), a station's operator receives and
    hands over its parcels with the buyer's pickup code (county staff, with the reason, where
    a station has no operator account)."""

    def __init__(self, county: Any, admin: Any) -> None:
        self.admin = admin
        self.sellers = {
            seller.pk: seller.staff.order_by("pk").first() or admin
            for seller in Seller.objects.filter(county=county)
        }
        self.stations = {
            m.station_id: m.user
            for m in Membership.objects.filter(
                county=county, role=Role.STATION_OPERATOR, station__isnull=False
            ).select_related("user")
        }

    def of_seller(self, seller_id: int) -> Any:
        return self.sellers[seller_id]

    def at_station(self, order: Order) -> Any:
        return self.stations.get(order.station_id) or self.admin


def _deliver(staff: Staff, order: Order) -> Order:
    """A station parcel is handed over at the desk, the cash due taken; a courier's delivery is
    confirmed by the seller."""
    if order.delivery_method != DeliveryMethod.STATION:
        return services.confirm_delivery(order=order, actor=staff.of_seller(order.seller_id))
    actor = staff.at_station(order)
    services.hand_over(
        order=order,
        actor=actor,
        code=order.pickup_code,
        cash_collected=station_desk.cash_due(order),
        staff_reason="" if actor is not staff.admin else NO_OPERATOR,
    )
    return order


def _steps(staff: Staff, order: Order) -> dict[str, Callable[[], Order]]:
    """What each step's click calls, and who clicks."""
    seller_staff = staff.of_seller(order.seller_id)
    return {
        "paid": lambda: services.mark_order_paid(
            order=order, actor=staff.admin, reference=f"QSNS{order.pk:08d}"
        ),
        "packed": lambda: services.pack_order(order=order, actor=seller_staff),
        "shipped": lambda: services.ship_order(
            order=order,
            actor=seller_staff,
            carrier="中国邮政" if order.delivery_method == DeliveryMethod.HOME else "县域共同配送",
            tracking_number=f"QS{order.pk:010d}",
        ),
        "at_station": lambda: services.receive_at_station(
            order=order, actor=staff.at_station(order)
        ),
        "delivered": lambda: _deliver(staff, order),
        "completed": lambda: services.complete_order(order=order, actor=order.buyer),
    }


def _moments(plan: PlannedOrder, now: datetime.datetime) -> list[tuple[str, datetime.datetime]]:
    """Each step's moment; the steps of the last days' orders are brought forward to just
    before now, so that the history holds no future and every order is completed."""
    count = len(plan.steps)
    return [
        (step, min(plan.placed_at + after, now - (count - index) * datetime.timedelta(minutes=5)))
        for index, (step, after) in enumerate(plan.steps)
    ]


def _place(plan: PlannedOrder) -> Order:
    lines = [LineRequest(plan.product.pk, plan.quantity)]
    if plan.for_villager:
        result = services.place_assisted_order(
            operator=plan.buyer,
            station=Station.objects.get(pk=plan.delivery.station_id),
            villager_name=plan.delivery.recipient_name,
            villager_phone=plan.delivery.phone,
            lines=lines,
            household=plan.household,
        )
    else:
        result = services.place_checkout(
            buyer=plan.buyer,
            lines=lines,
            delivery=plan.delivery,
            payment_method=plan.payment_method,
        )
    return result.orders[0]


def _restock(plans: list[PlannedOrder], staff: Staff) -> None:
    """The sellers put on stock, the hour before the month's first order, what it will sell."""
    demand: Counter[Product] = Counter()
    for plan in plans:
        demand[plan.product] += plan.quantity
    stocks = Stock.objects.in_bulk([product.pk for product in demand], field_name="product_id")
    with pinned(plans[0].placed_at - HOUR):
        for product, quantity in sorted(demand.items(), key=lambda item: item[0].pk):
            update_product(
                product=product,
                actor=staff.of_seller(product.seller_id),
                stock_quantity=stocks[product.pk].quantity + quantity,
            )


def place_past_orders(county: Any, plans: list[PlannedOrder]) -> int:
    """Place and carry out the planned orders month by month, as their people would have."""
    admin = Membership.objects.filter(county=county, role=Role.COUNTY_ADMIN).earliest("pk").user
    staff = Staff(county, admin)
    now = timezone.now()
    plans = sorted(plans, key=lambda plan: plan.placed_at)
    months = itertools.groupby(
        plans, key=lambda plan: timezone.localtime(plan.placed_at).strftime("%Y-%m")
    )
    for _month, month_plans in months:
        month_plans = list(month_plans)
        _restock(month_plans, staff)
        for plan in month_plans:
            with pinned(plan.placed_at):
                order = _place(plan)
            steps = _steps(staff, order)
            for step, moment in _moments(plan, now):
                with pinned(moment):
                    steps[step]()
    return len(plans)


def build_station_orders(
    county: Any, products: list[Any], buyers: list[Any], rng: random.Random
) -> int:
    """Two years of orders to the village stations, more in autumn (harvest) and as the
    storefront grows."""
    # The stations that were open through the two years of history.
    stations = list(
        Station.objects.filter(county=county, village__name__in=data.STATION_VILLAGES).order_by(
            "village__name"
        )
    )
    now = timezone.now()
    planned = []
    for day in range(data.ORDER_MONTHS * 30, 0, -1):
        month = (now - datetime.timedelta(days=day)).month
        base = 1 + (data.ORDER_MONTHS * 30 - day) / 400 + (1.5 if month in (9, 10, 11, 12) else 0)
        planned.extend(
            now - datetime.timedelta(days=day, minutes=rng.randint(0, 1200))
            for _ in range(rng.randint(0, int(base * 1.5)))
        )
    plans = []
    for index, placed_at in enumerate(planned):
        buyer = buyers[index % len(buyers)]
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 3))
        station = rng.choice(stations)
        plans.append(
            PlannedOrder(
                placed_at=placed_at,
                buyer=buyer,
                product=product,
                quantity=quantity,
                delivery=DeliveryRequest(
                    DeliveryMethod.STATION, station.pk, buyer.username, "13800000000"
                ),
                steps=TO_STATION,
            )
        )
    return place_past_orders(county, plans)


def build_assisted_orders(county: Any, station: Any, products: list[Any]) -> int:
    """A few past orders the 桃花村 station operator placed for villagers without a smartphone."""
    # Its own generator, so the rest of the demo stays as it was.
    rng = random.Random(data.SEED)
    operator = Membership.objects.get(
        county=county, role=Role.STATION_OPERATOR, station=station
    ).user
    households = list(
        Household.objects.filter(county=county, village_id=station.village_id).order_by("pk")[:2]
    )
    now = timezone.now()
    plans = [
        PlannedOrder(
            placed_at=now - datetime.timedelta(days=40 - index * 6, hours=rng.randint(1, 8)),
            buyer=operator,
            product=rng.choice(products),
            quantity=Decimal(rng.randint(1, 2)),
            delivery=DeliveryRequest(DeliveryMethod.STATION, station.pk, name, phone),
            steps=FOR_VILLAGER,
            for_villager=True,
            household=households[index] if index < len(households) else None,
        )
        for index, (name, phone) in enumerate(data.ASSISTED_VILLAGERS * 2)
    ]
    return place_past_orders(county, plans)


def build_orders_out_of_county(county: Any, products: list[Any], rng: random.Random) -> int:
    """Parcels to buyers in the cities, the point of county e-commerce: home deliveries paid
    by bank transfer."""
    buyers = [demo_user(f"city-buyer-{i}") for i in range(1, 7)]
    now = timezone.now()
    planned = [
        now - datetime.timedelta(days=day, minutes=rng.randint(0, 1200))
        for day in range(24 * 30, 0, -1)
        if rng.random() < 0.45 + (24 * 30 - day) / 1600
    ]
    plans = []
    for index, placed_at in enumerate(planned):
        buyer = buyers[index % len(buyers)]
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 4))
        address = rng.choice(data.OUT_OF_COUNTY)
        plans.append(
            PlannedOrder(
                placed_at=placed_at,
                buyer=buyer,
                product=product,
                quantity=quantity,
                delivery=DeliveryRequest(
                    DeliveryMethod.HOME,
                    None,
                    buyer.username,
                    "13900000000",
                    address,
                    data.OUT_OF_COUNTY_REGIONS[address],
                ),
                steps=TO_THE_CITY,
                payment_method=PaymentMethod.BANK_TRANSFER,
            )
        )
    return place_past_orders(county, plans)


def close_a_station_day(county: Any, station: Any) -> StationDay:
    """The 桃花村 operator closes the last day before today its desk handed parcels over, at
    the end of the day, the cash in the till as collected."""
    operator = Membership.objects.get(
        county=county, role=Role.STATION_OPERATOR, station=station
    ).user
    today = timezone.localdate()
    last = (
        StationHandover.objects.filter(station=station)
        .filter(handed_over_at__lt=on_day(today, 0))
        .latest("handed_over_at")
    )
    day = timezone.localdate(last.handed_over_at)
    with pinned(on_day(day, 23) + datetime.timedelta(minutes=59)):
        figures = selectors.station_day_figures(station=station, day=day)
        return services.close_station_day(
            station=station, day=day, actor=operator, cash_counted=figures.cash_collected
        )
