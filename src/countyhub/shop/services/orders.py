"""An order's life after placement: paid, packed, shipped, delivered, cancelled, refunded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.money import quantize_cny
from countyhub.shop import allocation
from countyhub.shop.errors import (
    InvalidTransitionError,
    ShopError,
    ShopErrorCode,
)
from countyhub.shop.models import (
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Refund,
    Shipment,
)
from countyhub.shop.payments import provider_for
from countyhub.shop.selectors import GOODS_LEFT, TO_FULFIL
from countyhub.shop.signals import order_packed

S = OrderStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLACED: frozenset({S.PAID, S.PACKED, S.CANCELLED}),
    S.PAID: frozenset({S.PACKED, S.REFUNDED}),
    S.PACKED: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    # A station parcel is received at the station (AT_STATION) before it is handed over;
    # only a home delivery goes straight to DELIVERED (see confirm_delivery).
    S.SHIPPED: frozenset({S.AT_STATION, S.DELIVERED, S.REFUNDED}),
    S.AT_STATION: frozenset({S.DELIVERED, S.RETURNED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.COMPLETED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
    S.RETURNED: frozenset({S.REFUNDED}),
}


def _line_quantities(order: Order) -> dict[int, Decimal]:
    """What the order still holds per product: lines refunded before shipping no longer ship."""
    quantities: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity, refunded in order.lines.values_list(
        "product_id", "quantity", "refunded_quantity"
    ):
        if quantity > refunded:
            quantities[product_id] += quantity - refunded
    return dict(quantities)


def _lock(order: Order) -> Order:
    """The order's current row, locked: guards must not trust the caller's possibly stale copy."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("payment", "county")
        .get(pk=order.pk)
    )


def _transition(order: Order, target: str, *, actor: Any, note: str = "") -> Order:
    """Move `order` to `target` (locking it) and write the event and audit rows."""
    locked = _lock(order)
    if target not in ALLOWED_TRANSITIONS[locked.status]:
        raise InvalidTransitionError(
            _("An order that is %(current)s cannot become %(target)s.")
            % {"current": S(locked.status).label, "target": S(target).label},
            field="status",
        )
    previous = locked.status
    locked.status = target
    locked.save(update_fields=["status", "updated_at"])
    OrderEvent.objects.create(
        order=locked,
        from_status=previous,
        to_status=target,
        actor=actor,
        note=note,
        created_at=timezone.now(),
    )
    record_audit(
        actor=actor,
        action=f"order.{target}",
        target=locked,
        county=locked.county,
        changes={"status": [previous, target]},
    )
    order.status = target
    return locked


@transaction.atomic
def mark_order_paid(*, order: Order, actor: Any, reference: str = "") -> Order:
    """Staff saw the bank transfer arrive."""
    if not provider_for(order.payment_method).paid_before_packing:
        raise InvalidTransitionError(
            _("Cash on delivery is collected on delivery, not marked paid."), field="status"
        )
    order = _transition(order, S.PAID, actor=actor, note=reference)
    order.payment.status = PaymentStatus.RECEIVED
    order.payment.reference = reference
    order.payment.received_at = timezone.now()
    order.payment.save()
    return order


@transaction.atomic
def pack_order(*, order: Order, actor: Any) -> Order:
    current = _lock(order)
    if current.status == S.PLACED and provider_for(current.payment_method).paid_before_packing:
        raise InvalidTransitionError(
            _("A bank-transfer order is packed once paid."), field="status"
        )
    order = _transition(order, S.PACKED, actor=actor)
    order_packed.send(sender=Order, order=order, actor=actor)
    return order


@transaction.atomic
def ship_order(*, order: Order, actor: Any, carrier: str, tracking_number: str) -> Order:
    if not carrier.strip():
        raise ShopError(ShopErrorCode.REQUIRED, _("Give the carrier."), field="carrier")
    if not tracking_number.strip():
        raise ShopError(
            ShopErrorCode.REQUIRED, _("Give the tracking number."), field="tracking_number"
        )
    if _lock(order).status in (S.PLACED, S.PAID):
        # Shipping an unpacked order packs it first, so the event trail stays complete.
        pack_order(order=order, actor=actor)
    order = _transition(order, S.SHIPPED, actor=actor, note=f"{carrier} {tracking_number}")
    Shipment.objects.create(
        order=order,
        carrier=carrier.strip(),
        tracking_number=tracking_number.strip(),
        shipped_at=timezone.now(),
    )
    allocation.fulfil_allocation(quantities=_line_quantities(order))
    return order


@transaction.atomic
def confirm_delivery(*, order: Order, actor: Any) -> Order:
    """A courier's home delivery arrived (and its cash was collected). A station parcel is
    handed over at the station instead (station_desk.hand_over): its operator checks the
    pickup code and records the cash, so the seller cannot mark it delivered and paid."""
    if _lock(order).delivery_method == DeliveryMethod.STATION:
        raise ShopError(
            ShopErrorCode.STATION_HANDOVER,
            _("A station parcel is handed over by the station with its pickup code."),
            field="status",
        )
    order = _transition(order, S.DELIVERED, actor=actor)
    payment = order.payment
    if payment.status == PaymentStatus.PENDING:
        # Cash on delivery: the courier collected the money at hand-over.
        payment.status = PaymentStatus.RECEIVED
        payment.received_at = timezone.now()
        payment.save()
    return order


@transaction.atomic
def complete_order(*, order: Order, actor: Any) -> Order:
    return _transition(order, S.COMPLETED, actor=actor)


@transaction.atomic
def cancel_order(*, order: Order, actor: Any, reason: str = "") -> Order:
    """Cancel before any money arrived; the allocation returns to stock."""
    if _lock(order).payment.status == PaymentStatus.RECEIVED:
        raise InvalidTransitionError(
            _("The order is paid: the buyer asks for a refund in after-sales instead."),
            field="status",
        )
    order = _transition(order, S.CANCELLED, actor=actor, note=reason)
    allocation.release_allocation(quantities=_line_quantities(order))
    return order


def refund_amounts(
    order: Order, lines: list[OrderLine], quantities: Mapping[int, Decimal]
) -> tuple[dict[int, Decimal], Decimal]:
    """The money each line gives back for `quantities` (by line id) and the refund's total.

    A line's part is its unit price times the quantity, except that the last of a line gives
    back the rest of the line (no fen lost to rounding); when every line is wholly refunded the
    refund also gives back the rest of the order (fees), so that the order is refunded to 0.
    Refuses quantities above what is left, and lines of another order."""
    by_id = {line.pk: line for line in lines}
    amounts: dict[int, Decimal] = {}
    for line_id, quantity in quantities.items():
        line = by_id.get(line_id)
        if line is None:
            raise ShopError(
                ShopErrorCode.UNKNOWN_LINE, _("This line is not on the order."), field="lines"
            )
        left = line.quantity - line.refunded_quantity
        if quantity <= 0 or quantity > left:
            raise ShopError(
                ShopErrorCode.INVALID_QUANTITY,
                _("%(product)s: refund more than 0 and at most %(left)s.")
                % {"product": line.product_name, "left": f"{left.normalize():f}"},
                field="lines",
            )
        if quantity == left:
            amounts[line_id] = line.line_total - line.refunded_amount
        else:
            amounts[line_id] = min(
                quantize_cny(line.unit_price * quantity), line.line_total - line.refunded_amount
            )
    total = sum(amounts.values(), Decimal("0.00"))
    all_back = all(
        line.refunded_quantity + quantities.get(line.pk, Decimal(0)) == line.quantity
        for line in lines
    )
    if all_back:
        total = order.total - order.refunded_total
    return amounts, total


def _refundable(order: Order) -> Order:
    current = _lock(order)
    if current.payment.status != PaymentStatus.RECEIVED:
        raise InvalidTransitionError(
            _("Nothing was paid: cancel the order instead."), field="status"
        )
    return current


@transaction.atomic
def record_refund(
    *,
    order: Order,
    quantities: Mapping[int, Decimal],
    actor: Any,
    reference: str = "",
    note: str = "",
) -> Refund:
    """Give back the money of `quantities` (order line id -> quantity) through the order's
    payment provider. Lines never shipped release their allocation; goods that left come back on
    the shelf only when received (the caller restocks them). The whole order refunded makes it
    REFUNDED; a part leaves its status and lowers its net sales (`total - refunded_total`)."""
    current = _refundable(order)
    lines = list(OrderLine.objects.select_for_update().filter(order=current).order_by("pk"))
    amounts, total = refund_amounts(current, lines, quantities)
    if total <= 0:
        raise ShopError(
            ShopErrorCode.NOTHING_TO_REFUND, _("There is no money left to refund."), field="lines"
        )
    reference = provider_for(current.payment_method).refund(
        order=current, amount=total, reference=reference
    )
    unshipped: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.pk in quantities:
            line.refunded_quantity += quantities[line.pk]
            line.refunded_amount += amounts[line.pk]
            line.save(update_fields=["refunded_quantity", "refunded_amount"])
            unshipped[line.product_id] += quantities[line.pk]
    if current.status in TO_FULFIL:
        # Still on the shelf, allocated: the allocation goes. Goods that left come back only
        # when received, and a parcel returned from the station went back to stock already.
        allocation.release_allocation(quantities=unshipped)
    current.refunded_total += total
    current.save(update_fields=["refunded_total", "updated_at"])
    order.refunded_total = current.refunded_total
    now = timezone.now()
    refund = Refund.objects.create(
        order=current,
        amount=total,
        currency=current.currency,
        method=current.payment_method,
        reference=reference,
        refunded_by=actor if getattr(actor, "is_authenticated", False) else None,
        refunded_at=now,
        note=note[:300],
    )
    if current.refunded_total == current.total:
        _transition(order, S.REFUNDED, actor=actor, note=note[:300])
        current.payment.status = PaymentStatus.REFUNDED
        current.payment.save(update_fields=["status", "updated_at"])
    else:
        OrderEvent.objects.create(
            order=current,
            from_status=current.status,
            to_status=current.status,
            kind="refund",
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            note=note[:300],
            created_at=now,
        )
    record_audit(
        actor=actor,
        action="order.refund",
        target=refund,
        county=current.county,
        changes={
            "order": current.number,
            "amount": total,
            "lines": {str(line_id): str(q) for line_id, q in quantities.items()},
            "refunded_total": current.refunded_total,
            "reference": reference,
        },
    )
    return refund


@transaction.atomic
def refund_order(*, order: Order, actor: Any, reason: str = "", reference: str = "") -> Order:
    """Give all the money left back, the goods having come back (staff, the demo): goods not yet
    shipped are released, shipped goods are restocked."""
    current = _refundable(order)
    left = {
        line.pk: line.quantity - line.refunded_quantity
        for line in current.lines.all()
        if line.quantity > line.refunded_quantity
    }
    goods_left = current.status in GOODS_LEFT
    returned = _line_quantities(current)
    record_refund(order=order, quantities=left, actor=actor, reference=reference, note=reason)
    if goods_left:
        allocation.restock(quantities=returned)
    order.refresh_from_db()
    return order
