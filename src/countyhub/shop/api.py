"""Orders: place (idempotent), read, ship, cancel. Orders a user may not see are 404."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema, Status
from pydantic import StrictFloat, StrictInt, StrictStr, field_validator

from countyhub.catalog.units import quantity_with_unit
from countyhub.catalog.validators import MAX_QUANTITY
from countyhub.core.api import ErrorOut, Id, column_length, errors
from countyhub.core.local_time import local_iso
from countyhub.core.numbers import plain_number
from countyhub.shop import policies, services
from countyhub.shop.models import Order, OrderEvent, PaymentMethod, Shipment
from countyhub.shop.services import DeliveryRequest, LineRequest

router = Router(tags=["orders"])


class LineIn(Schema):
    product_id: Id
    quantity: StrictStr | StrictInt | StrictFloat = Field(
        ..., examples=["2", "1.5", 2], description="A decimal string or a JSON number."
    )

    @field_validator("quantity")
    @classmethod
    def number_as_text(cls, value: str | int | float) -> str:
        """A JSON number becomes the decimal text it reads as (0.1 is "0.1"); the service then
        checks it like a string. Infinities, NaN and numbers no order line can hold are refused."""
        if isinstance(value, str):
            return value
        number = Decimal(str(value))
        if not number.is_finite() or abs(number) > MAX_QUANTITY:
            raise ValueError(
                _("Quantity must be a number up to %(max)s.") % {"max": plain_number(MAX_QUANTITY)}
            )
        return plain_number(number)


class DeliveryIn(Schema):
    method: str = Field(..., examples=["station", "home"], max_length=20)
    station_id: Id | None = None
    recipient_name: str = Field("", max_length=column_length(Order, "recipient_name"))
    phone: str = Field("", max_length=column_length(Order, "phone"))
    address: str = Field("", max_length=column_length(Order, "address"))
    region_code: str = Field(
        "",
        max_length=column_length(Order, "region_code"),
        examples=["52", "522701"],
        description="Home delivery: the GB/T 2260 code (province, city or county) of the "
        "address, which chooses the seller's shipping rate.",
    )


class OrderIn(Schema):
    lines: list[LineIn]
    delivery: DeliveryIn | None = None
    payment_method: str = PaymentMethod.CASH_ON_DELIVERY


class ShipIn(Schema):
    carrier: str = Field(..., max_length=column_length(Shipment, "carrier"))
    tracking_number: str = Field(..., max_length=column_length(Shipment, "tracking_number"))


class CancelIn(Schema):
    reason: str = Field("", max_length=column_length(OrderEvent, "note"))


class OrderLineOut(Schema):
    product_id: int
    product_name: str
    unit: str
    quantity: str
    # The quantity with its unit in the request's language: "1 box", "2 boxes", "2 箱".
    quantity_text: str
    unit_price: str
    line_total: str


class DeliveryOut(Schema):
    method: str
    station_id: int | None
    station: str | None
    recipient_name: str
    phone: str
    address: str
    region_code: str


class PlacedForOut(Schema):
    name: str
    phone: str
    household_id: int | None


class ShipmentOut(Schema):
    carrier: str
    tracking_number: str
    shipped_at: str


class OrderOut(Schema):
    id: int
    number: str
    county: str
    seller_id: int
    seller: str
    status: str
    placed_at: str = Field(..., description="In the county's time zone, with its offset.")
    goods_total: str
    shipping_fee: str
    total: str = Field(..., description="Goods plus shipping: what the buyer pays.")
    refunded_total: str = Field(
        ..., description="Money given back so far (after-sales); net sales are total − this."
    )
    currency: str
    payment_method: str
    payment_status: str
    delivery: DeliveryOut
    lines: list[OrderLineOut]
    shipment: ShipmentOut | None
    placed_for: PlacedForOut | None = Field(
        None,
        description="The villager a station operator ordered for; shown only to the station's "
        "operators, the seller and county staff.",
    )
    pickup_code: str | None = Field(
        None,
        description="The code the buyer gives at the village station to collect the parcel; "
        "shown only to the buyer, while the parcel waits to be collected.",
    )


class ShortageOut(Schema):
    product_id: int
    product_name: str
    requested: str
    available: str


class StockErrorOut(ErrorOut):
    shortages: list[ShortageOut] = Field(
        [], description="With code insufficient_stock: each product short, and what is left."
    )


def order_out(
    order: Order, *, viewer: Any, lines: list[Any] | None = None, new: bool = False
) -> dict[str, Any]:
    """The order as JSON for `viewer`; a `new` order has no shipment and brings its `lines` along.

    An order placed for a villager carries their name and phone (also as the recipient): only
    those who hand it over, ship it or oversee the county see them.
    """
    shipment = None if new else getattr(order, "shipment", None)
    show_villager = order.is_assisted and policies.may_see_villager(viewer, order)
    hide_recipient = order.is_assisted and not show_villager
    return {
        "id": order.pk,
        "number": order.number,
        "county": order.county.slug,
        "seller_id": order.seller_id,
        "seller": order.seller.name,
        "status": order.status,
        "placed_at": local_iso(order.placed_at, order.county),
        "goods_total": f"{order.goods_total:.2f}",
        "shipping_fee": f"{order.shipping_fee:.2f}",
        "total": f"{order.total:.2f}",
        "refunded_total": f"{order.refunded_total:.2f}",
        "currency": order.currency,
        "payment_method": order.payment_method,
        "payment_status": order.payment.status,
        "delivery": {
            "method": order.delivery_method,
            "station_id": order.station_id,
            "station": order.station.name if order.station else None,
            "recipient_name": "" if hide_recipient else order.recipient_name,
            "phone": "" if hide_recipient else order.phone,
            "address": order.address,
            "region_code": order.region_code,
        },
        "lines": [
            {
                "product_id": line.product_id,
                "product_name": line.product_name,
                "unit": line.unit,
                "quantity": plain_number(line.quantity),
                "quantity_text": quantity_with_unit(line.quantity, line.unit),
                "unit_price": f"{line.unit_price:.2f}",
                "line_total": f"{line.line_total:.2f}",
            }
            for line in (lines if lines is not None else order.lines.all())
        ],
        "shipment": (
            {
                "carrier": shipment.carrier,
                "tracking_number": shipment.tracking_number,
                "shipped_at": local_iso(shipment.shipped_at, order.county),
            }
            if shipment
            else None
        ),
        "placed_for": (
            {
                "name": order.placed_for_name,
                "phone": order.placed_for_phone,
                "household_id": order.placed_for_household_id,
            }
            if show_villager
            else None
        ),
        "pickup_code": (
            order.pickup_code
            if order.awaits_pickup and order.buyer_id == getattr(viewer, "pk", None)
            else None
        ),
    }


def _visible_order(request: HttpRequest, order_id: Id) -> Order:
    order = (
        policies.visible_orders(request.user)
        .select_related("county", "seller", "station__village", "payment", "shipment")
        .prefetch_related("lines")
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise Http404
    return order


def _fresh(order: Order, viewer: Any) -> dict[str, Any]:
    return order_out(
        Order.objects.select_related("county", "seller", "station__village", "payment", "shipment")
        .prefetch_related("lines")
        .get(pk=order.pk),
        viewer=viewer,
    )


@router.post("", response={201: OrderOut, **errors(400, 401, 422), 409: StockErrorOut})
def create_order(
    request: HttpRequest,
    response: HttpResponse,
    payload: OrderIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status[dict[str, Any]]:
    delivery = DeliveryRequest(**payload.delivery.dict()) if payload.delivery else None
    result = services.place_checkout(
        buyer=request.user,
        lines=[LineRequest(line.product_id, line.quantity) for line in payload.lines],
        delivery=delivery,
        payment_method=payload.payment_method,
        idempotency_key=idempotency_key,
        one_seller=True,
    )
    order = result.orders[0]
    if result.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(201, _fresh(order, request.user))
    return Status(201, order_out(order, viewer=request.user, lines=order.created_lines, new=True))


@router.get("/{order_id}", response={200: OrderOut, **errors(401, 404)})
def get_order(request: HttpRequest, order_id: Id) -> dict[str, Any]:
    return order_out(_visible_order(request, order_id), viewer=request.user)


@router.post("/{order_id}/ship", response={200: OrderOut, **errors(400, 401, 403, 404, 409, 422)})
def ship_order(request: HttpRequest, order_id: Id, shipment: ShipIn) -> dict[str, Any]:
    order = _visible_order(request, order_id)
    if not policies.may_fulfil(request.user, order):
        raise PermissionDenied(_("Only the order's seller or county staff ship it."))
    with transaction.atomic():
        services.ship_order(
            order=order,
            actor=request.user,
            carrier=shipment.carrier,
            tracking_number=shipment.tracking_number,
        )
    return _fresh(order, request.user)


@router.post("/{order_id}/cancel", response={200: OrderOut, **errors(401, 403, 404, 409, 422)})
def cancel_order(
    request: HttpRequest, order_id: Id, body: CancelIn | None = None
) -> dict[str, Any]:
    order = _visible_order(request, order_id)
    if not policies.may_cancel(request.user, order):
        raise PermissionDenied(_("You may not cancel this order now."))
    services.cancel_order(order=order, actor=request.user, reason=body.reason if body else "")
    return _fresh(order, request.user)
