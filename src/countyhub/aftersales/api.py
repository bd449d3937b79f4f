"""After-sales: a buyer's refund request on an order, and each party's step. Requests a user may
not see are 404; photos are sent from the request page (the API takes the request's words)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from countyhub.aftersales import policies, services
from countyhub.aftersales.errors import AftersalesError, AftersalesErrorCode
from countyhub.aftersales.models import AfterSaleRequest
from countyhub.core.api import Id, column_length, errors
from countyhub.core.numbers import plain_number
from countyhub.shop.models import Refund
from countyhub.shop.policies import visible_orders

router = Router(tags=["after-sales"])


class ReturnLineIn(Schema):
    order_line_id: Id
    quantity: str


class RequestIn(Schema):
    order_id: Id
    kind: str
    goods_received: bool
    reason: str
    description: str = Field("", max_length=column_length(AfterSaleRequest, "description"))
    lines: list[ReturnLineIn]


class StepIn(Schema):
    """The words a step needs: `note` (refuse, decide), `address` (ask-return), `carrier` and
    `tracking_number` (ship-return), `refund` (decide), `reference` (pay-refund)."""

    note: str = Field("", max_length=column_length(AfterSaleRequest, "seller_note"))
    address: str = Field("", max_length=column_length(AfterSaleRequest, "return_address"))
    carrier: str = Field("", max_length=column_length(AfterSaleRequest, "return_carrier"))
    tracking_number: str = Field("", max_length=column_length(AfterSaleRequest, "return_tracking"))
    refund: bool = False
    reference: str = Field("", max_length=column_length(Refund, "reference"))


class RequestLineOut(Schema):
    order_line_id: int
    product_name: str
    quantity: str
    amount: str


class RequestOut(Schema):
    id: int
    order_id: int
    order_number: str
    status: str
    kind: str
    goods_received: bool
    reason: str
    description: str
    amount: str
    currency: str
    deadline_at: str | None
    seller_note: str
    return_address: str
    return_carrier: str
    return_tracking: str
    county_note: str
    refund_reference: str | None
    lines: list[RequestLineOut]
    photos: list[str]


def request_out(item: AfterSaleRequest) -> dict[str, Any]:
    return {
        "id": item.pk,
        "order_id": item.order_id,
        "order_number": item.order.number,
        "status": item.status,
        "kind": item.kind,
        "goods_received": item.goods_received,
        "reason": item.reason,
        "description": item.description,
        "amount": f"{item.amount:.2f}",
        "currency": item.currency,
        "deadline_at": item.deadline_at.isoformat() if item.deadline_at else None,
        "seller_note": item.seller_note,
        "return_address": item.return_address,
        "return_carrier": item.return_carrier,
        "return_tracking": item.return_tracking,
        "county_note": item.county_note,
        "refund_reference": item.refund.reference if item.refund else None,
        "lines": [
            {
                "order_line_id": line.order_line_id,
                "product_name": line.order_line.product_name,
                "quantity": plain_number(line.quantity),
                "amount": f"{line.amount:.2f}",
            }
            for line in item.lines.all()
        ],
        "photos": [photo.image.url for photo in item.photos.all()],
    }


def _visible(request: HttpRequest, request_id: Id) -> AfterSaleRequest:
    found = (
        policies.visible_requests(request.user)
        .select_related("order", "refund")
        .prefetch_related("lines__order_line", "photos")
        .filter(pk=request_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _quantity(text: str) -> Decimal:
    try:
        quantity = Decimal(text)
    except InvalidOperation as error:
        raise AftersalesError(
            AftersalesErrorCode.NO_LINES, _("Quantity must be a number."), field="lines"
        ) from error
    if not quantity.is_finite():
        raise AftersalesError(
            AftersalesErrorCode.NO_LINES, _("Quantity must be a number."), field="lines"
        )
    return quantity


@router.get("", response={200: list[RequestOut], **errors(401)})
def list_aftersales(request: HttpRequest) -> list[dict[str, Any]]:
    """The requests the user may see: their own, their seller's, their county's."""
    found = (
        policies.visible_requests(request.user)
        .select_related("order", "refund")
        .prefetch_related("lines__order_line", "photos")
        .order_by("-created_at", "-pk")[:100]
    )
    return [request_out(item) for item in found]


@router.post("", response={201: RequestOut, **errors(400, 401, 403, 404, 409, 422)})
def create_aftersale(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    order = visible_orders(request.user).filter(pk=payload.order_id).first()
    if order is None:
        raise Http404
    created = services.request_aftersale(
        order=order,
        actor=request.user,
        kind=payload.kind,
        goods_received=payload.goods_received,
        reason=payload.reason,
        description=payload.description,
        quantities={line.order_line_id: _quantity(line.quantity) for line in payload.lines},
    )
    return Status(201, request_out(_visible(request, created.pk)))


@router.get("/{request_id}", response={200: RequestOut, **errors(401, 404)})
def get_aftersale(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    return request_out(_visible(request, request_id))


STEPS = {
    "agree": lambda r, a, s: services.agree(request=r, actor=a),
    "refuse": lambda r, a, s: services.refuse(request=r, actor=a, note=s.note),
    "ask-return": lambda r, a, s: services.ask_return(request=r, actor=a, address=s.address),
    "ship-return": lambda r, a, s: services.ship_return(
        request=r, actor=a, carrier=s.carrier, tracking_number=s.tracking_number
    ),
    "receive-return": lambda r, a, s: services.receive_return(request=r, actor=a),
    "escalate": lambda r, a, s: services.escalate(request=r, actor=a),
    "withdraw": lambda r, a, s: services.withdraw(request=r, actor=a),
    "decide": lambda r, a, s: services.decide(request=r, actor=a, refund=s.refund, note=s.note),
    "pay-refund": lambda r, a, s: services.pay_refund(request=r, actor=a, reference=s.reference),
}


@router.post("/{request_id}/{step}", response={200: RequestOut, **errors(400, 401, 403, 404, 409)})
def aftersale_step(
    request: HttpRequest, request_id: Id, step: str, body: StepIn | None = None
) -> dict[str, Any]:
    """One step: agree, refuse, ask-return, ship-return, receive-return, escalate, withdraw,
    decide, pay-refund; the service checks who may take it (403) and when (409)."""
    found = _visible(request, request_id)
    if step not in STEPS:
        raise Http404
    STEPS[step](found, request.user, body or StepIn())
    return request_out(_visible(request, request_id))
