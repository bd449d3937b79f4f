from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from countyhub.catalog.models import Stock
from countyhub.core.models import AuditEntry
from countyhub.shop import services
from countyhub.shop.errors import InvalidTransitionError, ShopError, ShopErrorCode
from countyhub.shop.models import DeliveryMethod, OrderStatus, PaymentMethod, PaymentStatus
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout


def place(world, quantity="4", payment=PaymentMethod.CASH_ON_DELIVERY):
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, quantity)],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
        payment_method=payment,
    )
    return result.orders[0]


def stock(world):
    return Stock.objects.get(product=world.product)


def test_cash_on_delivery_runs_to_completion_and_stock_leaves_on_shipping(world):
    staff = world.users["seller_staff"]
    order = place(world)
    services.pack_order(order=order, actor=staff)
    services.ship_order(order=order, actor=staff, carrier="邮政", tracking_number="YZ1")
    assert (stock(world).quantity, stock(world).allocated) == (16, 0)
    operator = world.users["station_operator"]
    services.receive_at_station(order=order, actor=operator)
    services.hand_over(
        order=order, actor=operator, code=order.pickup_code, cash_collected=order.total
    )
    services.complete_order(order=order, actor=world.users["buyer"])
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert order.payment.status == PaymentStatus.RECEIVED
    assert list(order.events.values_list("to_status", flat=True)) == [
        "placed",
        "packed",
        "shipped",
        "at_station",
        "delivered",
        "completed",
    ]
    assert order.shipment.tracking_number == "YZ1"
    assert AuditEntry.objects.filter(object_id=str(order.pk), action="order.shipped").exists()


def test_bank_transfer_must_be_paid_before_packing(world):
    order = place(world, payment=PaymentMethod.BANK_TRANSFER)
    with pytest.raises(InvalidTransitionError):
        services.pack_order(order=order, actor=world.users["seller_staff"])
    services.mark_order_paid(order=order, actor=world.users["county_admin"], reference="TX-9")
    services.pack_order(order=order, actor=world.users["seller_staff"])
    assert order.status == OrderStatus.PACKED


def test_cash_on_delivery_cannot_be_marked_paid(world):
    with pytest.raises(InvalidTransitionError):
        services.mark_order_paid(order=place(world), actor=world.users["county_admin"])


def test_cancel_returns_the_allocation(world):
    order = place(world)
    assert stock(world).allocated == 4
    services.cancel_order(order=order, actor=world.users["buyer"])
    assert (stock(world).quantity, stock(world).allocated) == (20, 0)
    with pytest.raises(InvalidTransitionError):
        services.pack_order(order=order, actor=world.users["seller_staff"])


def test_refund_after_shipping_restocks_the_goods(world):
    order = place(world, payment=PaymentMethod.BANK_TRANSFER)
    services.mark_order_paid(order=order, actor=world.users["county_admin"])
    with pytest.raises(InvalidTransitionError):
        services.cancel_order(order=order, actor=world.users["buyer"])
    services.pack_order(order=order, actor=world.users["seller_staff"])
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="顺丰", tracking_number="SF"
    )
    assert stock(world).quantity == 16
    services.refund_order(
        order=order, actor=world.users["county_admin"], reason="damaged", reference="BK-1"
    )
    assert (stock(world).quantity, stock(world).allocated) == (20, 0)
    order.payment.refresh_from_db()
    assert order.payment.status == PaymentStatus.REFUNDED


def test_refund_before_shipping_releases_the_allocation(world):
    order = place(world, payment=PaymentMethod.BANK_TRANSFER)
    services.mark_order_paid(order=order, actor=world.users["county_admin"])
    services.refund_order(order=order, actor=world.users["county_admin"], reference="BK-2")
    assert (stock(world).quantity, stock(world).allocated) == (20, 0)


def test_shipping_needs_carrier_and_tracking_number(world):
    order = place(world)
    services.pack_order(order=order, actor=world.users["seller_staff"])
    with pytest.raises(ShopError) as caught:
        services.ship_order(order=order, actor=None, carrier="邮政", tracking_number=" ")
    assert (caught.value.code, caught.value.field) == (ShopErrorCode.REQUIRED, "tracking_number")


def test_every_transition_in_the_table_is_reachable_and_terminal_states_are_final():
    reachable = set().union(*services.ALLOWED_TRANSITIONS.values())
    assert reachable | {OrderStatus.PLACED} == set(OrderStatus.values)
    assert services.ALLOWED_TRANSITIONS[OrderStatus.CANCELLED] == frozenset()
    assert services.ALLOWED_TRANSITIONS[OrderStatus.REFUNDED] == frozenset()


@pytest.mark.parametrize(
    ("quantity", "allocated"), [(Decimal(-1), Decimal(0)), (Decimal(5), Decimal(6))]
)
def test_the_database_refuses_impossible_stock(world, quantity, allocated):
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(product=world.product).update(quantity=quantity, allocated=allocated)
