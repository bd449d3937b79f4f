"""Channels in the API: import a channel's orders, read what it may sell now.

A channel the caller may not see is 404. A seller imports and sees only its own products."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from countyhub.channels import policies, selectors, services
from countyhub.channels.models import Channel
from countyhub.core.api import ErrorOut, errors
from countyhub.core.numbers import plain_number
from countyhub.shop.api import StockErrorOut

router = Router(tags=["channels"])


class ChannelCountyQuery(Schema):
    county: str = Field(
        "",
        max_length=50,
        description="The county's slug, when the code names channels in several of yours.",
    )


class OrderImportIn(Schema):
    orders: list[Any] = Field(
        ...,
        description='Each {"external_id": "<platform order number>", "lines": [{"product_id": '
        '1, "quantity": "1"}]}; quantities as JSON numbers or decimal strings.',
    )


class OrderImportOut(Schema):
    imported: int
    existing: int = Field(..., description="Orders imported before (same channel and number).")


class BadChannelOrderOut(Schema):
    index: int
    field: str
    message: str


class BadChannelOrdersOut(ErrorOut):
    errors: list[BadChannelOrderOut] = Field(
        [], description="With code bad_orders: each bad order by index, its field and why."
    )


class ChannelStockItemOut(Schema):
    product_id: int
    product_name: str
    available: str
    buffer: str
    sellable: str = Field(..., description="Available stock less the listing's buffer, ≥ 0.")


class ChannelStockOut(Schema):
    channel: str
    items: list[ChannelStockItemOut]


def _channel(request: HttpRequest, code: str, county: str) -> Channel:
    channel = policies.channel_by_code(request.user, code, county)
    if channel is None:
        raise Http404
    return channel


@router.post(
    "/{code}/orders",
    response={
        200: OrderImportOut,
        **errors(400, 401, 404),
        409: StockErrorOut,
        422: BadChannelOrdersOut,
    },
)
def import_orders(
    request: HttpRequest, code: str, payload: OrderImportIn, query: Query[ChannelCountyQuery]
) -> dict[str, Any]:
    channel = _channel(request, code, query.county)
    result = services.import_order_json(channel=channel, actor=request.user, orders=payload.orders)
    return {"imported": result.imported, "existing": result.existing}


@router.get("/{code}/stock", response={200: ChannelStockOut, **errors(401, 404)})
def stock(request: HttpRequest, code: str, query: Query[ChannelCountyQuery]) -> dict[str, Any]:
    channel = _channel(request, code, query.county)
    items = selectors.channel_stock(
        channel=channel, products=policies.own_products(request.user, channel)
    )
    return {
        "channel": channel.code,
        "items": [
            {
                "product_id": item.product_id,
                "product_name": item.product_name,
                "available": plain_number(item.available),
                "buffer": plain_number(item.buffer),
                "sellable": plain_number(item.sellable),
            }
            for item in items
        ],
    }
