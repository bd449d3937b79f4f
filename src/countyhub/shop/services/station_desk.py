"""The village service station's desk: parcels received, handed over against the pickup code
with the cash taken, returned to the seller when not collected, and the operator's closed day.

The models live in shop (they point at orders, and stations is below shop). Only the station's
operators, or county staff with a reason (audited), hand a station parcel over; the seller ships
it to the station and no longer confirms its delivery (orders.confirm_delivery refuses it).
Trace's container receipts (Container.received_station) stay apart: a case or pallet received
at a station is not a buyer's parcel.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.money import format_money, quantize_cny
from countyhub.shop import allocation, policies, selectors
from countyhub.shop.errors import InvalidTransitionError, ShopError, ShopErrorCode
from countyhub.shop.models import (
    PICKUP_OPEN,
    DeliveryMethod,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    StationDay,
    StationDayLine,
    StationDayLineKind,
    StationHandover,
)
from countyhub.shop.services.orders import _line_quantities, _lock, _transition
from countyhub.shop.signals import order_ready_for_pickup
from countyhub.stations.models import Station

S = OrderStatus
PICKUP_CODE_DIGITS = 6
# Wrong codes an operator may enter for one parcel; then county staff must confirm it.
MAX_PICKUP_FAILURES = 5


def new_pickup_code(station_id: int) -> str:
    """A random code no other parcel waiting for its buyer at the station has.

    Six digits are easy to read out and type; with at most five tries a guess succeeds one time
    in 200,000, and the operator also sees the buyer's name."""
    taken = set(
        Order.objects.filter(station_id=station_id, status__in=PICKUP_OPEN).values_list(
            "pickup_code", flat=True
        )
    )
    while True:
        code = f"{secrets.randbelow(10**PICKUP_CODE_DIGITS):0{PICKUP_CODE_DIGITS}d}"
        if code not in taken:
            return code


def _station_order(order: Order, actor: Any) -> tuple[Order, Station]:
    """The order's locked row and station, if the actor works this station's desk."""
    locked = _lock(order)
    if locked.delivery_method != DeliveryMethod.STATION or locked.station_id is None:
        raise ShopError(
            ShopErrorCode.NOT_A_STATION_ORDER,
            _("This order is not picked up at a village service station."),
            field="status",
        )
    station = Station.objects.select_related("county").get(pk=locked.station_id)
    if not policies.may_work_station_desk(actor, station):
        raise PermissionDenied(_("Only the station's operator or county staff may do this."))
    return locked, station


def _require_status(order: Order, status: str, message: str) -> None:
    if order.status != status:
        raise InvalidTransitionError(message, field="status")


@transaction.atomic
def receive_at_station(*, order: Order, actor: Any) -> Order:
    """The parcel arrived at the station: it is ready for pickup (an event the buyer's
    notification hangs off, through the order_ready_for_pickup signal)."""
    locked, _station = _station_order(order, actor)
    _require_status(locked, S.SHIPPED, _("Only a shipped parcel can be received."))
    order = _transition(order, S.AT_STATION, actor=actor, note=_("ready for pickup"))
    order_ready_for_pickup.send(sender=Order, order=order, actor=actor)
    return order


def _amount(value: Decimal | str, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip() or "0")
    except (InvalidOperation, ValueError):
        amount = Decimal("-1")
    if not amount.is_finite() or amount < 0:
        raise ShopError(
            ShopErrorCode.INVALID_AMOUNT, _("Give an amount of yuan, 0 or more."), field=field
        )
    return quantize_cny(amount)


def cash_due(order: Order) -> Decimal:
    """The cash the station takes at hand-over: a cash-on-delivery order not yet paid."""
    payment = order.payment
    if order.payment_method == PaymentMethod.CASH_ON_DELIVERY and (
        payment.status == PaymentStatus.PENDING
    ):
        return payment.amount
    return Decimal("0.00")


def hand_over(
    *,
    order: Order,
    actor: Any,
    code: str,
    cash_collected: Decimal | str,
    difference_reason: str = "",
    staff_reason: str = "",
) -> StationHandover:
    """Hand a parcel waiting at the station to its buyer.

    The operator enters the buyer's pickup code; a wrong code is counted and audited (it stays
    recorded although the hand-over is refused), and after MAX_PICKUP_FAILURES only county staff
    can confirm. County staff who do not run the station confirm without the code, with a reason.
    The cash taken must be the amount due, or differ with a reason.
    """
    result = _hand_over(
        order=order,
        actor=actor,
        code=code.strip(),
        cash_collected=cash_collected,
        difference_reason=difference_reason.strip(),
        staff_reason=staff_reason.strip(),
    )
    if isinstance(result, ShopError):
        # Raised outside the transaction, so that the wrong try stays counted.
        raise result
    return result


@transaction.atomic
def _hand_over(
    *,
    order: Order,
    actor: Any,
    code: str,
    cash_collected: Decimal | str,
    difference_reason: str,
    staff_reason: str,
) -> StationHandover | ShopError:
    locked, station = _station_order(order, actor)
    _require_status(
        locked, S.AT_STATION, _("Record the parcel received at the station before handing it over.")
    )
    by_operator = policies.runs_station(actor, station.pk)
    if by_operator:
        if locked.pickup_failures >= MAX_PICKUP_FAILURES:
            return ShopError(
                ShopErrorCode.PICKUP_LOCKED,
                _("Too many wrong pickup codes: county staff must confirm this hand-over."),
                field="code",
            )
        if not code:
            return ShopError(ShopErrorCode.REQUIRED, _("Enter the pickup code."), field="code")
        if not secrets.compare_digest(code, locked.pickup_code):
            locked.pickup_failures += 1
            locked.save(update_fields=["pickup_failures", "updated_at"])
            record_audit(
                actor=actor,
                action="order.pickup_code_refused",
                target=locked,
                county=locked.county,
                changes={"failures": locked.pickup_failures},
            )
            left = MAX_PICKUP_FAILURES - locked.pickup_failures
            return ShopError(
                ShopErrorCode.WRONG_PICKUP_CODE,
                _("Wrong pickup code: %(left)s tries left.") % {"left": left}
                if left
                else _("Too many wrong pickup codes: county staff must confirm this hand-over."),
                field="code",
            )
    elif not staff_reason:
        return ShopError(
            ShopErrorCode.REQUIRED,
            _("Say why county staff confirm this hand-over instead of the station."),
            field="staff_reason",
        )
    due = cash_due(locked)
    collected = _amount(cash_collected, "cash_collected")
    if collected != due and not difference_reason:
        return ShopError(
            ShopErrorCode.REQUIRED,
            _("%(due)s is due: give the reason for taking %(collected)s.")
            % {"due": format_money(due), "collected": format_money(collected)},
            field="difference_reason",
        )
    now = timezone.now()
    order = _transition(order, S.DELIVERED, actor=actor, note=_("handed over at the station"))
    if due:
        payment = locked.payment
        payment.status = PaymentStatus.RECEIVED
        payment.received_at = now
        payment.save(update_fields=["status", "received_at", "updated_at"])
    handover = StationHandover.objects.create(
        order=locked,
        station=station,
        handed_over_by=actor,
        handed_over_at=now,
        cash_due=due,
        cash_collected=collected,
        difference_reason=difference_reason if collected != due else "",
        staff_reason="" if by_operator else staff_reason,
    )
    record_audit(
        actor=actor,
        action="order.handed_over",
        target=locked,
        county=locked.county,
        changes={
            "station": station.pk,
            "cash_due": due,
            "cash_collected": collected,
            "difference_reason": handover.difference_reason,
            "staff_reason": handover.staff_reason,
        },
    )
    return handover


@transaction.atomic
def return_to_seller(*, order: Order, actor: Any, reason: str) -> Order:
    """The buyer did not collect the parcel: it goes back to the seller and its goods to stock
    (a paid order is then refunded through after-sales)."""
    locked, _station = _station_order(order, actor)
    _require_status(locked, S.AT_STATION, _("Only a parcel waiting at the station can go back."))
    reason = reason.strip()
    if not reason:
        raise ShopError(ShopErrorCode.REQUIRED, _("Say why the parcel goes back."), field="reason")
    order = _transition(order, S.RETURNED, actor=actor, note=reason)
    allocation.restock(quantities=_line_quantities(order))
    return order


def local_today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def close_station_day(
    *,
    station: Station,
    day: datetime.date,
    actor: Any,
    cash_counted: Decimal | str,
    difference_reason: str = "",
    correction_reason: str = "",
) -> StationDay:
    """Close the station's day (in the county's time zone): what it received, handed over and
    returned, the cash per parcel and in the till. A day closed before is corrected by a new
    record (with a reason) that points at the last one; nothing closed is rewritten."""
    if not policies.may_work_station_desk(actor, station):
        raise PermissionDenied(_("Only the station's operator or county staff may do this."))
    if day > local_today():
        raise ShopError(ShopErrorCode.DAY_NOT_BEGUN, _("That day has not begun yet."), field="day")
    # Locks the station's row: two closes of one day cannot both take the last record.
    Station.objects.select_for_update().get(pk=station.pk)
    last = (
        StationDay.objects.filter(station=station, day=day, corrected_by__isnull=True)
        .order_by("-pk")
        .first()
    )
    correction_reason = correction_reason.strip()
    if last is not None and not correction_reason:
        raise ShopError(
            ShopErrorCode.REQUIRED,
            _("This day was closed already: say what the correction is for."),
            field="correction_reason",
        )
    figures = selectors.station_day_figures(station=station, day=day)
    counted = _amount(cash_counted, "cash_counted")
    difference_reason = difference_reason.strip()
    if counted != figures.cash_collected and not difference_reason:
        raise ShopError(
            ShopErrorCode.REQUIRED,
            _("%(collected)s was collected: give the reason the till holds %(counted)s.")
            % {
                "collected": format_money(figures.cash_collected),
                "counted": format_money(counted),
            },
            field="difference_reason",
        )
    closed = StationDay.objects.create(
        station=station,
        day=day,
        closed_by=actor,
        closed_at=timezone.now(),
        received=len(figures.received),
        handed_over=len(figures.handed_over),
        returned=len(figures.returned),
        cash_due=figures.cash_due,
        cash_collected=figures.cash_collected,
        cash_counted=counted,
        difference_reason=difference_reason if counted != figures.cash_collected else "",
        corrects=last,
        correction_reason=correction_reason if last else "",
    )
    lines = [
        StationDayLine(
            station_day=closed,
            order=event.order,
            kind=StationDayLineKind.RECEIVED,
            seller_name=event.order.seller.name,
        )
        for event in figures.received
    ]
    lines += [
        StationDayLine(
            station_day=closed,
            order=handover.order,
            kind=StationDayLineKind.HANDED_OVER,
            seller_name=handover.order.seller.name,
            cash_due=handover.cash_due,
            cash_collected=handover.cash_collected,
            note=handover.difference_reason or handover.staff_reason,
        )
        for handover in figures.handed_over
    ]
    lines += [
        StationDayLine(
            station_day=closed,
            order=event.order,
            kind=StationDayLineKind.RETURNED,
            seller_name=event.order.seller.name,
            note=event.note,
        )
        for event in figures.returned
    ]
    StationDayLine.objects.bulk_create(lines)
    record_audit(
        actor=actor,
        action="station_day.corrected" if last else "station_day.closed",
        target=closed,
        county=station.county,
        changes={
            "station": station.pk,
            "day": day.isoformat(),
            "received": closed.received,
            "handed_over": closed.handed_over,
            "returned": closed.returned,
            "cash_collected": closed.cash_collected,
            "cash_counted": closed.cash_counted,
            "corrects": last.pk if last else None,
            "by_staff": not policies.runs_station(actor, station.pk),
        },
    )
    return closed
