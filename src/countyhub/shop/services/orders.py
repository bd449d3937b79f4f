"""An order's life after placement: paid, packed, shipped, delivered, cancelled, refunded."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
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
    OrderStatus,
    PaymentStatus,
    Shipment,
)
from countyhub.shop.payments import provider_for
from countyhub.shop.selectors import GOODS_LEFT
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
    quantities: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, quantity in order.lines.values_list("product_id", "quantity"):
        quantities[product_id] += quantity
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
        raise InvalidTransitionError(_("The order is paid: refund it instead."), field="status")
    order = _transition(order, S.CANCELLED, actor=actor, note=reason)
    allocation.release_allocation(quantities=_line_quantities(order))
    return order


@transaction.atomic
def refund_order(*, order: Order, actor: Any, reason: str = "") -> Order:
    """Give the money back; goods not yet shipped are released, shipped goods are restocked."""
    current = _lock(order)
    if current.payment.status != PaymentStatus.RECEIVED:
        raise InvalidTransitionError(
            _("Nothing was paid: cancel the order instead."), field="status"
        )
    goods_left = current.status in GOODS_LEFT
    order = _transition(order, S.REFUNDED, actor=actor, note=reason)
    if goods_left:
        allocation.restock(quantities=_line_quantities(order))
    elif current.status != S.RETURNED:
        # A returned parcel's goods went back to stock when it was returned.
        allocation.release_allocation(quantities=_line_quantities(order))
    order.payment.status = PaymentStatus.REFUNDED
    order.payment.save()
    return order
