"""The station desk's services: pickup codes, parcels received, handed over against the code
with the cash taken, returned, and the operator's closed day."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from countyhub.catalog.models import Stock
from countyhub.core.models import AuditEntry, Role
from countyhub.shop import selectors, services
from countyhub.shop.errors import InvalidTransitionError, ShopError, ShopErrorCode
from countyhub.shop.models import (
    DeliveryMethod,
    Order,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    StationDay,
    StationHandover,
)
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from countyhub.shop.services.station_desk import MAX_PICKUP_FAILURES, new_pickup_code
from tests.conftest import requires_postgres
from tests.factories.catalog import ProductFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
from tests.factories.stations import StationFactory

S = OrderStatus


def place(world, *, product=None, quantity="2", payment=PaymentMethod.CASH_ON_DELIVERY):
    return place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest((product or world.product).pk, quantity)],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
        payment_method=payment,
    ).orders[0]


def shipped(world, **kw):
    order = place(world, **kw)
    if order.payment_method == PaymentMethod.BANK_TRANSFER:
        services.mark_order_paid(order=order, actor=world.users["county_admin"])
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
    )
    return order


def at_station(world, **kw):
    order = shipped(world, **kw)
    services.receive_at_station(order=order, actor=world.users["station_operator"])
    return order


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


# --- the bug: the seller marked a station COD order delivered and paid --------------------------


def test_the_seller_cannot_mark_a_station_cash_order_delivered_and_paid(world):
    order = shipped(world)
    with pytest.raises(ShopError) as refused:
        services.confirm_delivery(order=order, actor=world.users["seller_staff"])
    assert refused.value.code == ShopErrorCode.STATION_HANDOVER
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    assert order.payment.status == PaymentStatus.PENDING


def test_the_seller_cannot_hand_over_a_station_parcel_either(world):
    order = at_station(world)
    with pytest.raises(PermissionDenied):
        services.hand_over(
            order=order,
            actor=world.users["seller_staff"],
            code=order.pickup_code,
            cash_collected=order.total,
        )
    with pytest.raises(PermissionDenied):
        services.receive_at_station(order=shipped(world), actor=world.users["seller_staff"])


def test_a_home_delivery_is_still_confirmed_by_the_seller(world):
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest(DeliveryMethod.HOME, address="县城 1 号"),
    ).orders[0]
    assert order.pickup_code == ""
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
    )
    services.confirm_delivery(order=order, actor=world.users["seller_staff"])
    assert order.status == S.DELIVERED


# --- pickup code ---------------------------------------------------------------------------------


def test_each_station_order_gets_a_six_digit_code_unique_among_the_stations_open_orders(world):
    orders = [place(world, quantity="1") for _ in range(5)]
    codes = [order.pickup_code for order in orders]
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(set(codes)) == len(codes)
    assert new_pickup_code(world.station.pk) not in codes


def test_the_database_refuses_two_open_orders_with_one_code_at_a_station(world):
    first, second = place(world, quantity="1"), place(world, quantity="1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=second.pk).update(pickup_code=first.pickup_code)
    # Once the first is collected, its code may come round again.
    services.receive_at_station(order=shipped(world), actor=world.users["station_operator"])
    Order.objects.filter(pk=first.pk).update(status=S.COMPLETED)
    Order.objects.filter(pk=second.pk).update(pickup_code=first.pickup_code)


# --- receiving -----------------------------------------------------------------------------------


def test_receiving_makes_the_parcel_ready_for_pickup_with_an_event_and_a_signal(world):
    from countyhub.shop.signals import order_ready_for_pickup

    heard = []

    def listener(sender, order, actor, **kwargs):
        heard.append((order.number, actor))

    order_ready_for_pickup.connect(listener)
    try:
        order = at_station(world)
    finally:
        order_ready_for_pickup.disconnect(listener)
    assert heard == [(order.number, world.users["station_operator"])]
    event = order.events.get(to_status=S.AT_STATION)
    assert event.from_status == S.SHIPPED and event.actor == world.users["station_operator"]
    assert AuditEntry.objects.filter(object_id=str(order.pk), action="order.at_station").exists()


def test_only_a_shipped_parcel_is_received(world):
    order = place(world)
    with pytest.raises(InvalidTransitionError):
        services.receive_at_station(order=order, actor=world.users["station_operator"])


# --- hand-over -----------------------------------------------------------------------------------


def test_the_operator_hands_over_with_the_code_and_takes_the_cash(world):
    order = at_station(world)
    operator = world.users["station_operator"]
    handover = services.hand_over(
        order=order, actor=operator, code=order.pickup_code, cash_collected="50.00"
    )
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert order.payment.status == PaymentStatus.RECEIVED and order.payment.received_at
    assert (handover.cash_due, handover.cash_collected) == (order.total, Decimal("50.00"))
    assert handover.handed_over_by == operator and handover.staff_reason == ""
    audit = AuditEntry.objects.get(object_id=str(order.pk), action="order.handed_over")
    assert audit.changes["cash_collected"] == "50.00"


def test_a_wrong_code_is_refused_counted_and_audited_and_locks_after_the_limit(world):
    order = at_station(world)
    operator = world.users["station_operator"]
    for attempt in range(1, MAX_PICKUP_FAILURES + 1):
        with pytest.raises(ShopError) as refused:
            services.hand_over(
                order=order, actor=operator, code=wrong(order.pickup_code), cash_collected="50"
            )
        assert refused.value.field == "code"
        order.refresh_from_db()
        assert order.pickup_failures == attempt
    assert refused.value.code == ShopErrorCode.WRONG_PICKUP_CODE
    assert (
        AuditEntry.objects.filter(
            object_id=str(order.pk), action="order.pickup_code_refused"
        ).count()
        == MAX_PICKUP_FAILURES
    )
    # Even the right code is refused now: county staff must confirm.
    with pytest.raises(ShopError) as locked:
        services.hand_over(order=order, actor=operator, code=order.pickup_code, cash_collected="50")
    assert locked.value.code == ShopErrorCode.PICKUP_LOCKED
    order.refresh_from_db()
    assert order.status == S.AT_STATION and order.payment.status == PaymentStatus.PENDING


def test_a_different_amount_needs_a_reason(world):
    order = at_station(world)
    operator = world.users["station_operator"]
    with pytest.raises(ShopError) as refused:
        services.hand_over(order=order, actor=operator, code=order.pickup_code, cash_collected="40")
    assert refused.value.field == "difference_reason"
    handover = services.hand_over(
        order=order,
        actor=operator,
        code=order.pickup_code,
        cash_collected="40",
        difference_reason="买家只带了 40 元，余款明天补",
    )
    assert handover.difference == Decimal("-10.00")


@pytest.mark.parametrize("amount", ["-1", "abc", "NaN"])
def test_a_nonsense_amount_is_refused(world, amount):
    order = at_station(world)
    with pytest.raises(ShopError) as refused:
        services.hand_over(
            order=order,
            actor=world.users["station_operator"],
            code=order.pickup_code,
            cash_collected=amount,
            difference_reason="x",
        )
    assert refused.value.code == ShopErrorCode.INVALID_AMOUNT


def test_a_paid_order_is_handed_over_with_no_cash_due(world):
    order = at_station(world, payment=PaymentMethod.BANK_TRANSFER)
    handover = services.hand_over(
        order=order,
        actor=world.users["station_operator"],
        code=order.pickup_code,
        cash_collected="",
    )
    assert handover.cash_due == handover.cash_collected == Decimal("0.00")


def test_county_staff_hand_over_without_the_code_only_with_a_reason(world):
    order = at_station(world)
    staff = world.users["county_admin"]
    with pytest.raises(ShopError) as refused:
        services.hand_over(order=order, actor=staff, code="", cash_collected="50")
    assert refused.value.field == "staff_reason"
    handover = services.hand_over(
        order=order, actor=staff, code="", cash_collected="50", staff_reason="站长住院，县中心代办"
    )
    assert handover.staff_reason == "站长住院，县中心代办"
    audit = AuditEntry.objects.get(object_id=str(order.pk), action="order.handed_over")
    assert audit.actor == staff and audit.changes["staff_reason"] == "站长住院，县中心代办"


def test_another_stations_operator_or_countys_staff_cannot_work_this_desk(world):
    order = at_station(world)
    other = UserFactory(username="other-op")
    MembershipFactory(
        user=other,
        county=world.county,
        role=Role.STATION_OPERATOR,
        station=StationFactory(village__township__county=world.county),
    )
    for outsider in (other, world.users["other_county_admin"], world.users["buyer"]):
        with pytest.raises(PermissionDenied):
            services.hand_over(
                order=order, actor=outsider, code=order.pickup_code, cash_collected="50"
            )
        with pytest.raises(PermissionDenied):
            services.return_to_seller(order=order, actor=outsider, reason="x")


# --- return --------------------------------------------------------------------------------------


def test_an_uncollected_parcel_goes_back_to_the_seller_and_its_goods_to_stock(world):
    order = at_station(world)
    assert Stock.objects.get(product=world.product).quantity == 18
    with pytest.raises(ShopError):
        services.return_to_seller(order=order, actor=world.users["station_operator"], reason=" ")
    services.return_to_seller(
        order=order, actor=world.users["station_operator"], reason="七天无人领取"
    )
    order.refresh_from_db()
    assert order.status == S.RETURNED and order.payment.status == PaymentStatus.PENDING
    assert order.events.get(to_status=S.RETURNED).note == "七天无人领取"
    stock = Stock.objects.get(product=world.product)
    assert (stock.quantity, stock.allocated) == (20, 0)
    assert not selectors.sales(county=world.county).filter(pk=order.pk).exists()


def test_a_returned_paid_order_is_refunded_without_touching_stock_again(world):
    order = at_station(world, payment=PaymentMethod.BANK_TRANSFER)
    services.return_to_seller(order=order, actor=world.users["station_operator"], reason="拒收")
    services.refund_order(
        order=order, actor=world.users["county_admin"], reason="拒收", reference="TX-R1"
    )
    stock = Stock.objects.get(product=world.product)
    assert (stock.quantity, stock.allocated) == (20, 0)


# --- closing the day -----------------------------------------------------------------------------


def a_busy_day(world):
    """Three parcels received: one handed over in full, one short, one returned."""
    operator = world.users["station_operator"]
    full, short, back = (at_station(world, quantity="1") for _ in range(3))
    services.hand_over(order=full, actor=operator, code=full.pickup_code, cash_collected="25")
    services.hand_over(
        order=short,
        actor=operator,
        code=short.pickup_code,
        cash_collected="20",
        difference_reason="少 5 元",
    )
    services.return_to_seller(order=back, actor=operator, reason="拒收")
    return full, short, back


def test_the_operator_closes_the_day_with_every_figure(world):
    _full, short, back = a_busy_day(world)
    operator = world.users["station_operator"]
    today = timezone.localdate()
    with pytest.raises(ShopError) as refused:
        services.close_station_day(
            station=world.station, day=today, actor=operator, cash_counted="40"
        )
    assert refused.value.field == "difference_reason"
    closed = services.close_station_day(
        station=world.station,
        day=today,
        actor=operator,
        cash_counted="40",
        difference_reason="找零多给了 5 元",
    )
    assert (closed.received, closed.handed_over, closed.returned) == (3, 2, 1)
    assert (closed.cash_due, closed.cash_collected, closed.cash_counted) == (
        Decimal("50.00"),
        Decimal("45.00"),
        Decimal("40.00"),
    )
    assert closed.difference == Decimal("-5.00")
    lines = {(line.order_id, line.kind): line for line in closed.lines.all()}
    assert lines[(short.pk, "handed_over")].cash_collected == Decimal("20.00")
    assert lines[(short.pk, "handed_over")].note == "少 5 元"
    assert lines[(back.pk, "returned")].note == "拒收"
    assert len(lines) == 6
    assert AuditEntry.objects.filter(action="station_day.closed", object_id=str(closed.pk)).exists()


def test_a_closed_day_is_never_rewritten_and_a_correction_is_a_new_record(world):
    a_busy_day(world)
    operator = world.users["station_operator"]
    today = timezone.localdate()
    first = services.close_station_day(
        station=world.station, day=today, actor=operator, cash_counted="45"
    )
    first.cash_counted = Decimal("0")
    with pytest.raises(ValidationError):
        first.save()
    with pytest.raises(ShopError) as refused:
        services.close_station_day(
            station=world.station, day=today, actor=operator, cash_counted="45"
        )
    assert refused.value.field == "correction_reason"
    late = at_station(world, quantity="1")
    services.hand_over(order=late, actor=operator, code=late.pickup_code, cash_collected="25")
    second = services.close_station_day(
        station=world.station,
        day=today,
        actor=operator,
        cash_counted="70",
        correction_reason="关账后又取走一件",
    )
    assert second.corrects_id == first.pk and second.handed_over == 3
    first.refresh_from_db()
    assert first.cash_counted == Decimal("45.00") and first.handed_over == 2
    assert StationDay.objects.filter(station=world.station, day=today).count() == 2


def test_a_day_to_come_cannot_be_closed_and_strangers_cannot_close(world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ShopError) as refused:
        services.close_station_day(
            station=world.station,
            day=tomorrow,
            actor=world.users["station_operator"],
            cash_counted="0",
        )
    assert refused.value.code == ShopErrorCode.DAY_NOT_BEGUN
    with pytest.raises(PermissionDenied):
        services.close_station_day(
            station=world.station,
            day=timezone.localdate(),
            actor=world.users["seller_staff"],
            cash_counted="0",
        )


def test_the_day_is_the_countys_calendar_day(world):
    """A hand-over at 00:30 in the county (the evening before in UTC) belongs to the county's
    day."""
    order = at_station(world, quantity="1")
    late = datetime.datetime(2026, 3, 2, 0, 30, tzinfo=timezone.get_current_timezone())
    assert late.astimezone(datetime.UTC).date() == datetime.date(2026, 3, 1)
    with time_machine.travel(late, tick=False):
        services.hand_over(
            order=order,
            actor=world.users["station_operator"],
            code=order.pickup_code,
            cash_collected="25",
        )
    march_first = selectors.station_day_figures(
        station=world.station, day=datetime.date(2026, 3, 1)
    )
    march_second = selectors.station_day_figures(
        station=world.station, day=datetime.date(2026, 3, 2)
    )
    assert [h.order_id for h in march_second.handed_over] == [order.pk]
    assert march_first.handed_over == []


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_clicks_hand_a_parcel_over_once_and_wrong_codes_are_all_counted():
    """Two operators at one counter: a parcel is handed over (and its cash taken) once, and
    guesses racing each other cannot slip past the limit."""
    county = CountyFactory()
    station = StationFactory(village__township__county=county)
    product = ProductFactory(county=county, stock=10)
    buyer, seller_staff = UserFactory(username="b"), UserFactory(username="s")
    product.seller.staff.add(seller_staff)
    operators = []
    for index in range(2):
        operator = UserFactory(username=f"op-{index}")
        MembershipFactory(user=operator, county=county, role=Role.STATION_OPERATOR, station=station)
        operators.append(operator)
    orders = [
        place_checkout(
            buyer=buyer,
            lines=[LineRequest(product.pk, "1")],
            delivery=DeliveryRequest(DeliveryMethod.STATION, station.pk, "王芳", "1"),
        ).orders[0]
        for _ in range(2)
    ]
    for order in orders:
        services.ship_order(order=order, actor=seller_staff, carrier="邮政", tracking_number="1")
        services.receive_at_station(order=order, actor=operators[0])
    handed, guessed = orders
    start = threading.Event()

    def attempt(number):
        try:
            start.wait(timeout=30)
            if number < 4:
                services.hand_over(
                    order=Order.objects.get(pk=handed.pk),
                    actor=operators[number % 2],
                    code=handed.pickup_code,
                    cash_collected=handed.total,
                )
                return "handed"
            services.hand_over(
                order=Order.objects.get(pk=guessed.pk),
                actor=operators[number % 2],
                code=wrong(guessed.pickup_code),
                cash_collected=guessed.total,
            )
            return "handed"
        except ShopError as error:
            return error.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(8) as pool:
        futures = pool.map(attempt, range(4 + 2 * MAX_PICKUP_FAILURES))
        start.set()
        outcomes = list(futures)
    assert outcomes[:4].count("handed") == 1
    assert StationHandover.objects.filter(order=handed).count() == 1
    guessed.refresh_from_db()
    assert guessed.pickup_failures == MAX_PICKUP_FAILURES
    assert outcomes[4:].count(ShopErrorCode.WRONG_PICKUP_CODE) == MAX_PICKUP_FAILURES
    assert outcomes[4:].count(ShopErrorCode.PICKUP_LOCKED) == MAX_PICKUP_FAILURES
