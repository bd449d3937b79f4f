"""Demo helpers of the shop: finished past orders saved in bulk, for the demo county."""

from __future__ import annotations

import datetime
from typing import Any

from countyhub.shop.models import Order, OrderEvent, OrderLine, Payment, PaymentStatus


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
