"""After-sales use cases, one transactional function each. Every step moves the request's status,
writes an order event (kind "aftersale.<step>") and an audit entry; the money goes back through
`shop.services.record_refund` (the order's payment provider) and returned goods go back on the
shelf only when the seller has them in hand.

    requested ──agree──────────────────────────────▶ agreed ──pay_refund──▶ refunded
        │ └──ask_return──▶ return_requested ──ship_return──▶ return_shipped ──receive_return──┘
        └──refuse──▶ refused ──escalate──▶ escalated ──decide──▶ agreed | closed
    The buyer may withdraw until the refund is agreed; run_deadlines escalates a request the
    seller leaves unanswered and closes one the buyer lets lapse.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from countyhub.aftersales import policies
from countyhub.aftersales.errors import AftersalesError, AftersalesErrorCode
from countyhub.aftersales.models import (
    OPEN_STATUSES,
    AfterSaleLine,
    AfterSalePhoto,
    AfterSaleRequest,
    Reason,
    RequestKind,
    RequestStatus,
)
from countyhub.core.audit import record_audit
from countyhub.notifications.models import Kind
from countyhub.notifications.services import notify_safely
from countyhub.shop import allocation
from countyhub.shop.models import Order, OrderEvent, OrderLine, OrderStatus, PaymentStatus
from countyhub.shop.selectors import GOODS_LEFT
from countyhub.shop.services import record_refund, refund_amounts

R = RequestStatus
# The steps the buyer hears of: the seller's (or the county's) answer and the money paid back.
DECISIONS = (R.AGREED, R.REFUSED, R.RETURN_REQUESTED, R.REFUNDED, R.CLOSED)
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}


def _deadline(step: str) -> datetime.datetime | None:
    """When the step that starts now times out; the lengths are settings (see settings.py)."""
    now = timezone.now()
    lengths = {
        R.REQUESTED: datetime.timedelta(hours=settings.AFTERSALES_SELLER_ANSWER_HOURS),
        R.RETURN_REQUESTED: datetime.timedelta(days=settings.AFTERSALES_RETURN_SHIPMENT_DAYS),
        R.RETURN_SHIPPED: datetime.timedelta(days=settings.AFTERSALES_RETURN_RECEIPT_DAYS),
        R.REFUSED: datetime.timedelta(days=settings.AFTERSALES_ESCALATION_DAYS),
    }
    return now + lengths[step] if step in lengths else None


def _event(request: AfterSaleRequest, *, step: str, actor: Any, note: str = "") -> None:
    order = request.order
    OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        kind=f"aftersale.{step}",
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:300],
        created_at=timezone.now(),
    )


def _forbidden() -> AftersalesError:
    return AftersalesError(
        AftersalesErrorCode.FORBIDDEN, _("You may not do this with this request."), field=None
    )


def _move(
    request: AfterSaleRequest,
    *,
    sources: Sequence[str],
    target: str,
    actor: Any,
    step: str | None = None,
    note: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AfterSaleRequest:
    """Move the (locked) request from one of `sources` to `target`, with event and audit."""
    locked = (
        AfterSaleRequest.objects.select_for_update(of=("self",))
        .select_related("order", "county")
        .get(pk=request.pk)
    )
    if locked.status not in sources:
        raise AftersalesError(
            AftersalesErrorCode.INVALID_TRANSITION,
            _("A request that is “%(current)s” cannot do this.")
            % {"current": R(locked.status).label},
            field="status",
        )
    previous = locked.status
    locked.status = target
    locked.deadline_at = _deadline(target)
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    locked.save()
    _event(locked, step=step or target, actor=actor, note=note)
    record_audit(
        actor=actor,
        action=f"aftersale.{step or target}",
        target=locked,
        county=locked.county,
        changes={"status": [previous, target], **(changes or {})},
    )
    if target in DECISIONS:
        # The label stays lazy: each recipient reads the decision in their own language.
        notify_safely(
            Kind.REFUND_DECIDED,
            order=locked.order,
            key=f"aftersale:{locked.pk}:{target}",
            context={"decision": R(target).label, "reason": note},
        )
    request.refresh_from_db()
    return locked


def check_photos(photos: Sequence[UploadedFile]) -> None:
    """At most AFTERSALES_PHOTO_COUNT pictures, each a JPEG, PNG or WebP image under the size
    limit; checked by decoding, not by the name the phone gave."""
    if len(photos) > settings.AFTERSALES_PHOTO_COUNT:
        raise AftersalesError(
            AftersalesErrorCode.BAD_PHOTO,
            _("At most %(count)s photos.") % {"count": settings.AFTERSALES_PHOTO_COUNT},
            field="photos",
        )
    for photo in photos:
        if photo.size is None or photo.size > settings.AFTERSALES_PHOTO_MAX_BYTES:
            raise AftersalesError(
                AftersalesErrorCode.BAD_PHOTO,
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": photo.name, "mb": settings.AFTERSALES_PHOTO_MAX_BYTES // 2**20},
                field="photos",
            )
        try:
            with Image.open(photo) as image:
                image_format = image.format
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as error:
            raise AftersalesError(
                AftersalesErrorCode.BAD_PHOTO,
                _("%(name)s is not a picture.") % {"name": photo.name},
                field="photos",
            ) from error
        finally:
            photo.seek(0)
        if image_format not in PHOTO_FORMATS:
            raise AftersalesError(
                AftersalesErrorCode.BAD_PHOTO,
                _("%(name)s: send a JPEG, PNG or WebP picture.") % {"name": photo.name},
                field="photos",
            )


@transaction.atomic
def request_aftersale(
    *,
    order: Order,
    actor: Any,
    kind: str,
    goods_received: bool,
    reason: str,
    quantities: Mapping[int, Decimal],
    description: str = "",
    photos: Sequence[UploadedFile] = (),
) -> AfterSaleRequest:
    """The buyer asks for the money of some lines (order line id -> quantity) back."""
    locked = (
        Order.objects.select_for_update(of=("self",)).select_related("payment").get(pk=order.pk)
    )
    if not policies.may_request(actor, locked):
        raise _forbidden()
    if locked.payment.status != PaymentStatus.RECEIVED or locked.status == OrderStatus.REFUNDED:
        raise AftersalesError(
            AftersalesErrorCode.NOT_REFUNDABLE,
            _("Only a paid order that is not wholly refunded can be refunded."),
            field="order",
        )
    if AfterSaleRequest.objects.filter(order=locked, status__in=OPEN_STATUSES).exists():
        raise AftersalesError(
            AftersalesErrorCode.ALREADY_OPEN,
            _("This order already has an after-sales request in progress."),
            field="order",
        )
    if kind not in RequestKind.values:
        raise AftersalesError(AftersalesErrorCode.REQUIRED, _("Choose what you want."), "kind")
    if reason not in Reason.values:
        raise AftersalesError(AftersalesErrorCode.REQUIRED, _("Choose a reason."), field="reason")
    if goods_received and locked.status not in GOODS_LEFT:
        raise AftersalesError(
            AftersalesErrorCode.NOT_REFUNDABLE,
            _("The order has not been shipped yet: the goods cannot have arrived."),
            field="goods_received",
        )
    if kind == RequestKind.RETURN_AND_REFUND and not goods_received:
        raise AftersalesError(
            AftersalesErrorCode.NOT_REFUNDABLE,
            _("Goods you did not receive cannot be sent back: ask for a refund only."),
            field="kind",
        )
    quantities = {line_id: q for line_id, q in quantities.items() if q}
    if not quantities:
        raise AftersalesError(
            AftersalesErrorCode.NO_LINES, _("Choose what to refund."), field="lines"
        )
    lines = list(OrderLine.objects.filter(order=locked).order_by("pk"))
    amounts, total = refund_amounts(locked, lines, quantities)
    check_photos(photos)
    request = AfterSaleRequest.objects.create(
        county_id=locked.county_id,
        order=locked,
        seller_id=locked.seller_id,
        buyer=actor,
        kind=kind,
        goods_received=goods_received,
        reason=reason,
        description=description.strip()[:1000],
        amount=total,
        currency=locked.currency,
        deadline_at=_deadline(R.REQUESTED),
    )
    AfterSaleLine.objects.bulk_create(
        AfterSaleLine(request=request, order_line_id=line_id, quantity=q, amount=amounts[line_id])
        for line_id, q in quantities.items()
    )
    for photo in photos:
        AfterSalePhoto.objects.create(request=request, image=photo)
    _event(request, step=R.REQUESTED, actor=actor, note=Reason(reason).label)
    record_audit(
        actor=actor,
        action="aftersale.requested",
        target=request,
        county=locked.county,
        changes={
            "order": locked.number,
            "kind": kind,
            "goods_received": goods_received,
            "reason": reason,
            "amount": total,
            "lines": {str(line_id): str(q) for line_id, q in quantities.items()},
            "photos": len(photos),
        },
    )
    notify_safely(
        Kind.SELLER_REFUND_REQUESTED,
        order=locked,
        key=f"aftersale:{request.pk}",
        context={"reason": Reason(reason).label},
    )
    return request


def _seller_only(request: AfterSaleRequest, actor: Any) -> None:
    if not policies.may_answer(actor, request):
        raise _forbidden()


@transaction.atomic
def agree(*, request: AfterSaleRequest, actor: Any) -> AfterSaleRequest:
    """The seller agrees to give the money back without the goods."""
    _seller_only(request, actor)
    return _move(request, sources=[R.REQUESTED], target=R.AGREED, actor=actor)


@transaction.atomic
def refuse(*, request: AfterSaleRequest, actor: Any, note: str) -> AfterSaleRequest:
    """The seller refuses, saying why; the buyer may then take it to the county."""
    _seller_only(request, actor)
    if not note.strip():
        raise AftersalesError(
            AftersalesErrorCode.REQUIRED, _("Say why you refuse."), field="seller_note"
        )
    return _move(
        request,
        sources=[R.REQUESTED],
        target=R.REFUSED,
        actor=actor,
        note=note.strip(),
        changes={"seller_note": note.strip()[:300]},
    )


@transaction.atomic
def ask_return(*, request: AfterSaleRequest, actor: Any, address: str) -> AfterSaleRequest:
    """The seller wants the goods back first, at `address`."""
    _seller_only(request, actor)
    if not request.goods_received:
        raise AftersalesError(
            AftersalesErrorCode.NOT_REFUNDABLE,
            _("The buyer did not receive the goods: there is nothing to send back."),
            field="return_address",
        )
    if not address.strip():
        raise AftersalesError(
            AftersalesErrorCode.REQUIRED,
            _("Give the address the goods go back to."),
            field="return_address",
        )
    return _move(
        request,
        sources=[R.REQUESTED],
        target=R.RETURN_REQUESTED,
        actor=actor,
        note=address.strip(),
        changes={"return_address": address.strip()[:300]},
    )


@transaction.atomic
def ship_return(
    *, request: AfterSaleRequest, actor: Any, carrier: str, tracking_number: str
) -> AfterSaleRequest:
    """The buyer sent the goods back."""
    if not policies.is_buyer(actor, request):
        raise _forbidden()
    if not carrier.strip():
        raise AftersalesError(
            AftersalesErrorCode.REQUIRED, _("Give the carrier."), field="return_carrier"
        )
    if not tracking_number.strip():
        raise AftersalesError(
            AftersalesErrorCode.REQUIRED,
            _("Give the tracking number."),
            field="return_tracking",
        )
    return _move(
        request,
        sources=[R.RETURN_REQUESTED],
        target=R.RETURN_SHIPPED,
        actor=actor,
        note=f"{carrier.strip()} {tracking_number.strip()}",
        changes={
            "return_carrier": carrier.strip()[:60],
            "return_tracking": tracking_number.strip()[:60],
        },
    )


@transaction.atomic
def receive_return(*, request: AfterSaleRequest, actor: Any) -> AfterSaleRequest:
    """The seller has the goods back: they go back on the shelf and the refund is agreed."""
    _seller_only(request, actor)
    moved = _move(
        request,
        sources=[R.RETURN_SHIPPED],
        target=R.AGREED,
        actor=actor,
        step="return_received",
    )
    returned: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in moved.lines.values_list("order_line__product_id", "quantity"):
        returned[product_id] += quantity
    allocation.restock(quantities=returned)
    return moved


@transaction.atomic
def escalate(*, request: AfterSaleRequest, actor: Any) -> AfterSaleRequest:
    """The buyer takes a refusal to the county."""
    if not policies.is_buyer(actor, request):
        raise _forbidden()
    return _move(request, sources=[R.REFUSED], target=R.ESCALATED, actor=actor)


@transaction.atomic
def withdraw(*, request: AfterSaleRequest, actor: Any) -> AfterSaleRequest:
    """The buyer no longer wants the refund (before it is agreed)."""
    if not policies.is_buyer(actor, request):
        raise _forbidden()
    return _move(
        request,
        sources=[R.REQUESTED, R.RETURN_REQUESTED, R.REFUSED, R.ESCALATED],
        target=R.CLOSED,
        actor=actor,
        step="withdrawn",
    )


@transaction.atomic
def decide(*, request: AfterSaleRequest, actor: Any, refund: bool, note: str) -> AfterSaleRequest:
    """County staff settle a dispute: the buyer gets the money back, or the request closes."""
    if not policies.is_county_staff(actor, request):
        raise _forbidden()
    if not note.strip():
        raise AftersalesError(
            AftersalesErrorCode.REQUIRED, _("Give the reason of the decision."), field="county_note"
        )
    return _move(
        request,
        sources=[R.ESCALATED],
        target=R.AGREED if refund else R.CLOSED,
        actor=actor,
        step="decided_refund" if refund else "decided_no_refund",
        note=note.strip(),
        changes={"county_note": note.strip()[:300]},
    )


@transaction.atomic
def pay_refund(*, request: AfterSaleRequest, actor: Any, reference: str) -> AfterSaleRequest:
    """Staff paid the agreed money back (bank transfer or cash) and record it; the order's
    payment provider books the refund and the order's net sales fall by its amount."""
    if not policies.is_county_staff(actor, request):
        raise _forbidden()
    locked = AfterSaleRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if locked.status != R.AGREED:
        raise AftersalesError(
            AftersalesErrorCode.INVALID_TRANSITION,
            _("Only an agreed refund can be paid."),
            field="status",
        )
    quantities = dict(locked.lines.values_list("order_line_id", "quantity"))
    refund = record_refund(
        order=locked.order,
        quantities=quantities,
        actor=actor,
        reference=reference,
        note=_("after-sales request #%(pk)s") % {"pk": locked.pk},
    )
    return _move(
        request,
        sources=[R.AGREED],
        target=R.REFUNDED,
        actor=actor,
        note=refund.reference,
        changes={"refund": refund, "amount": refund.amount},
    )


# What a lapsed step becomes: the seller's silence goes to the county, the buyer's closes it.
ON_DEADLINE = {
    R.REQUESTED: R.ESCALATED,
    R.RETURN_SHIPPED: R.ESCALATED,
    R.RETURN_REQUESTED: R.CLOSED,
    R.REFUSED: R.CLOSED,
}


def run_deadlines(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Move every request whose step lapsed; safe to run again (a moved request is no longer
    due). Each request moves in its own transaction, so one failure does not undo the rest."""
    now = now or timezone.now()
    counts: dict[str, int] = defaultdict(int)
    due = AfterSaleRequest.objects.filter(status__in=list(ON_DEADLINE), deadline_at__lte=now)
    for pk, status in due.order_by("deadline_at", "pk").values_list("pk", "status"):
        with transaction.atomic():
            request = AfterSaleRequest.objects.select_for_update().get(pk=pk)
            if request.status != status or request.deadline_at is None or request.deadline_at > now:
                continue  # moved by someone else meanwhile
            target = ON_DEADLINE[R(status)]
            _move(
                request,
                sources=[status],
                target=target,
                actor=None,
                step=f"lapsed_{status}",
                note=_("deadline passed"),
            )
            counts[target] += 1
    return dict(counts)
