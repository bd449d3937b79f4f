"""The shop's events, turned into notifications. Connected in NotificationsConfig.ready().

Each receiver runs inside the shop's transaction, so the outbox rows commit or roll back with the
order; it runs in a savepoint of its own and logs its failure instead of raising, because a
message that cannot be written is not worth losing the order for.

Wiring a further event is one entry of `EVENT_KINDS` (an order status reached), one `send` of a
shop signal received here (`order_ready_for_pickup`), or, in an app above this one, one call of
`countyhub.notifications.services.notify(kind, order=..., context=..., key=...)` (a refund
requested or decided).
"""

from __future__ import annotations

from typing import Any

from countyhub.notifications.models import Kind
from countyhub.notifications.services import (
    is_suppressed,
    low_stock_messages,
    message,
    notify,
    queue,
    queue_safely,
    tracking_url,
)
from countyhub.shop.models import OrderEvent, OrderStatus, Shipment

# The kinds sent when an order reaches a status (its OrderEvent is written).
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    OrderStatus.PLACED: (Kind.ORDER_PLACED, Kind.SELLER_NEW_ORDER),
}


def on_order_event(sender: Any, instance: OrderEvent, created: bool, **kwargs: Any) -> None:
    kinds = EVENT_KINDS.get(instance.to_status, ())
    if not created or kwargs.get("raw") or is_suppressed() or not kinds:
        return
    order = instance.order

    def queue_all() -> None:
        lines = list(order.lines.select_related("product__stock"))
        messages = [message(kind, order, context={"lines": lines}) for kind in kinds]
        if instance.to_status == OrderStatus.PLACED:
            messages += low_stock_messages(order, lines)
        queue(messages)

    queue_safely(f"order {order.number} {instance.to_status}", queue_all)


def on_shipment(sender: Any, instance: Shipment, created: bool, **kwargs: Any) -> None:
    """Shipped: the buyer gets the carrier and tracking number (the shipment row is written
    after the order's event), and a station's operators hear that parcels are on the way."""
    if not created or kwargs.get("raw") or is_suppressed():
        return
    order = instance.order

    def queue_all() -> None:
        tracking = {
            "carrier": instance.carrier,
            "tracking_number": instance.tracking_number,
            "tracking_url": tracking_url(instance.carrier, instance.tracking_number),
        }
        kinds = [Kind.ORDER_SHIPPED]
        if order.station_id is not None:
            kinds.append(Kind.OPERATOR_PARCELS_ARRIVING)
        queue([message(kind, order, context=tracking) for kind in kinds])

    queue_safely(f"order {order.number} shipped", queue_all)


def on_ready_for_pickup(sender: Any, order: Any, **kwargs: Any) -> None:
    """`shop.signals.order_ready_for_pickup`: the buyer (or villager) comes with the code."""
    if is_suppressed():
        return
    queue_safely(
        f"order {order.number} ready for pickup",
        lambda: notify(
            Kind.READY_FOR_PICKUP, order=order, context={"pickup_code": order.pickup_code}
        ),
    )
