"""The shop's use cases, one module per stage of an order; the rest imports from here."""

from countyhub.shop.services.buyers import remember_delivery
from countyhub.shop.services.checkout import (
    CheckoutResult,
    DeliveryRequest,
    LineRequest,
    PlacedFor,
    place_assisted_order,
    place_checkout,
)
from countyhub.shop.services.orders import (
    ALLOWED_TRANSITIONS,
    cancel_order,
    complete_order,
    confirm_delivery,
    mark_order_paid,
    pack_order,
    record_refund,
    refund_amounts,
    refund_order,
    ship_order,
)
from countyhub.shop.services.station_desk import (
    close_station_day,
    hand_over,
    receive_at_station,
    return_to_seller,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CheckoutResult",
    "DeliveryRequest",
    "LineRequest",
    "PlacedFor",
    "cancel_order",
    "close_station_day",
    "complete_order",
    "confirm_delivery",
    "hand_over",
    "mark_order_paid",
    "pack_order",
    "place_assisted_order",
    "place_checkout",
    "receive_at_station",
    "record_refund",
    "refund_amounts",
    "refund_order",
    "remember_delivery",
    "return_to_seller",
    "ship_order",
]
