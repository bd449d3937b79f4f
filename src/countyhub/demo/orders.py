"""The demo county's two years of orders: parcels to its village stations, orders station
operators placed for villagers, and parcels to buyers in the cities."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from countyhub.catalog.models import Household, Product
from countyhub.core.models import Membership, Role
from countyhub.core.money import quantize_cny
from countyhub.demo import data
from countyhub.shop.models import (
    Checkout,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from countyhub.stations.models import Station


def build_station_orders(
    county: Any, products: list[Any], buyers: list[Any], rng: random.Random
) -> int:
    """Two years of completed orders, written in bulk (history, not live checkouts)."""

    # The stations that were open through the two years of history.
    stations = list(
        Station.objects.filter(county=county, village__name__in=data.STATION_VILLAGES).order_by(
            "village__name"
        )
    )
    now = timezone.now()
    planned = []
    for day in range(data.ORDER_MONTHS * 30, 0, -1):
        # More orders in autumn (harvest) and as the storefront grows.
        month = (now - datetime.timedelta(days=day)).month
        base = 1 + (data.ORDER_MONTHS * 30 - day) / 400 + (1.5 if month in (9, 10, 11, 12) else 0)
        planned.extend(
            now - datetime.timedelta(days=day, minutes=rng.randint(0, 1200))
            for _ in range(rng.randint(0, int(base * 1.5)))
        )
    checkouts = Checkout.objects.bulk_create(
        Checkout(
            county=county,
            buyer=buyers[i % len(buyers)],
            idempotency_key=f"demo-{i}",
            request_fingerprint="demo",
        )
        for i in range(len(planned))
    )
    orders, lines = [], []
    for index, (checkout, placed_at) in enumerate(zip(checkouts, planned, strict=True)):
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 3))
        total = quantize_cny(product.price * quantity)
        station = rng.choice(stations)
        orders.append(
            Order(
                county=county,
                number=f"{placed_at:%Y%m%d}-D{index:05d}",
                checkout=checkout,
                buyer=checkout.buyer,
                seller_id=product.seller_id,
                status=OrderStatus.COMPLETED,
                delivery_method=DeliveryMethod.STATION,
                station=station,
                recipient_name=checkout.buyer.username,
                phone="13800000000",
                payment_method=PaymentMethod.CASH_ON_DELIVERY,
                total=total,
                placed_at=placed_at,
            )
        )
        lines.append((product, quantity, total))
    return save_past_orders(
        orders,
        lines,
        paid_after=datetime.timedelta(days=3),
        history=[
            (OrderStatus.PLACED, datetime.timedelta(0)),
            (OrderStatus.COMPLETED, datetime.timedelta(days=5)),
        ],
    )


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
    orders, lines = [], []
    for index, (name, phone) in enumerate(data.ASSISTED_VILLAGERS * 2):
        placed_at = now - datetime.timedelta(days=40 - index * 6, hours=rng.randint(1, 8))
        checkout = Checkout.objects.create(
            county=county,
            buyer=operator,
            idempotency_key=f"demo-assisted-{index}",
            request_fingerprint="demo",
        )
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 2))
        total = quantize_cny(product.price * quantity)
        orders.append(
            Order(
                county=county,
                number=f"{placed_at:%Y%m%d}-S{index:05d}",
                checkout=checkout,
                buyer=operator,
                seller_id=product.seller_id,
                status=OrderStatus.COMPLETED,
                delivery_method=DeliveryMethod.STATION,
                station=station,
                recipient_name=name,
                phone=phone,
                payment_method=PaymentMethod.CASH_ON_DELIVERY,
                total=total,
                placed_at=placed_at,
                placed_for_name=name,
                placed_for_phone=phone,
                placed_for_household=households[index] if index < len(households) else None,
            )
        )
        lines.append((product, quantity, total))
    return save_past_orders(
        orders,
        lines,
        paid_after=datetime.timedelta(days=3),
        history=[
            (OrderStatus.PLACED, datetime.timedelta(0)),
            (OrderStatus.DELIVERED, datetime.timedelta(days=3)),
            (OrderStatus.COMPLETED, datetime.timedelta(days=3)),
        ],
    )


def build_orders_out_of_county(county: Any, buyers: list[Any], rng: random.Random) -> int:
    """Parcels to buyers in the cities, the point of county e-commerce: home deliveries."""

    products = list(Product.objects.filter(county=county).order_by("pk"))
    now = timezone.now()
    planned = [
        now - datetime.timedelta(days=day, minutes=rng.randint(0, 1200))
        for day in range(24 * 30, 0, -1)
        if rng.random() < 0.45 + (24 * 30 - day) / 1600
    ]
    checkouts = Checkout.objects.bulk_create(
        Checkout(
            county=county,
            buyer=buyers[i % len(buyers)],
            idempotency_key=f"demo-out-{i}",
            request_fingerprint="demo",
        )
        for i in range(len(planned))
    )
    orders, lines = [], []
    for index, (checkout, placed_at) in enumerate(zip(checkouts, planned, strict=True)):
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 4))
        total = quantize_cny(product.price * quantity)
        orders.append(
            Order(
                county=county,
                number=f"{placed_at:%Y%m%d}-X{index:05d}",
                checkout=checkout,
                buyer=checkout.buyer,
                seller_id=product.seller_id,
                status=OrderStatus.COMPLETED,
                delivery_method=DeliveryMethod.HOME,
                recipient_name=checkout.buyer.username,
                phone="13900000000",
                address=rng.choice(data.OUT_OF_COUNTY),
                payment_method=PaymentMethod.BANK_TRANSFER,
                total=total,
                placed_at=placed_at,
            )
        )
        lines.append((product, quantity, total))
    return save_past_orders(
        orders,
        lines,
        paid_after=datetime.timedelta(hours=2),
        history=[
            (OrderStatus.PLACED, datetime.timedelta(0)),
            (OrderStatus.PAID, datetime.timedelta(hours=2)),
            (OrderStatus.SHIPPED, datetime.timedelta(days=1)),
            (OrderStatus.COMPLETED, datetime.timedelta(days=6)),
        ],
    )


def save_past_orders(
    orders: list[Any],
    lines: list[tuple[Any, Any, Any]],
    *,
    paid_after: datetime.timedelta,
    history: list[tuple[str, datetime.timedelta]],
) -> int:
    """Bulk-save finished demo orders with their lines, received payments and status events.

    ``lines`` holds (product, quantity, line total) per order; ``history`` the statuses each
    order went through, with their delay after placing.
    """
    orders = Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=product,
            product_name=product.name,
            unit=product.unit,
            quantity=quantity,
            unit_price=product.price,
            line_total=total,
        )
        for order, (product, quantity, total) in zip(orders, lines, strict=True)
    )
    Payment.objects.bulk_create(
        Payment(
            order=order,
            method=order.payment_method,
            amount=order.total,
            status=PaymentStatus.RECEIVED,
            received_at=order.placed_at + paid_after,
        )
        for order in orders
    )
    OrderEvent.objects.bulk_create(
        OrderEvent(order=order, to_status=status, created_at=order.placed_at + offset)
        for order in orders
        for status, offset in history
    )
    return len(orders)
