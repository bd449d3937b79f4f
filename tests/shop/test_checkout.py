from decimal import Decimal

import pytest

from countyhub.catalog.models import Stock, Unit
from countyhub.shop.errors import (
    IdempotencyConflictError,
    InsufficientStockError,
    ShopError,
    ShopErrorCode,
)
from countyhub.shop.models import (
    BuyerProfile,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
)
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.factories.catalog import ProductFactory


def station_delivery(world):
    return DeliveryRequest(DeliveryMethod.STATION, world.station.pk, "王芳", "13800000000")


def stock_of(product):
    return Stock.objects.get(product=product)


def test_checkout_allocates_stock_and_writes_the_placed_event(world):
    buyer = world.users["buyer"]
    result = place_checkout(
        buyer=buyer,
        lines=[LineRequest(world.product.pk, "3")],
        delivery=station_delivery(world),
        idempotency_key="k1",
    )
    (order,) = result.orders
    assert order.status == OrderStatus.PLACED
    assert order.total == Decimal("75.00")
    assert order.station == world.station
    assert stock_of(world.product).allocated == 3
    assert stock_of(world.product).quantity == 20
    assert list(OrderEvent.objects.filter(order=order).values_list("to_status", flat=True)) == [
        "placed"
    ]
    assert order.payment.amount == Decimal("75.00")


def test_a_cart_spanning_two_sellers_becomes_two_orders(world):
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1"), LineRequest(world.other_product.pk, "2")],
        delivery=station_delivery(world),
    )
    assert sorted(o.seller_id for o in result.orders) == sorted(
        [world.seller.pk, world.other_seller.pk]
    )
    assert len({o.number for o in result.orders}) == 2


def test_the_same_idempotency_key_replays_the_first_result(world):
    kwargs = {
        "buyer": world.users["buyer"],
        "lines": [LineRequest(world.product.pk, "2")],
        "delivery": station_delivery(world),
        "idempotency_key": "same",
    }
    first = place_checkout(**kwargs)
    second = place_checkout(**kwargs)
    assert second.replayed
    assert not first.replayed
    assert [o.pk for o in second.orders] == [o.pk for o in first.orders]
    assert Order.objects.count() == 1
    assert stock_of(world.product).allocated == 2


def test_reusing_a_key_for_another_checkout_is_refused(world):
    buyer = world.users["buyer"]
    place_checkout(
        buyer=buyer,
        lines=[LineRequest(world.product.pk, "2")],
        delivery=station_delivery(world),
        idempotency_key="k",
    )
    with pytest.raises(IdempotencyConflictError):
        place_checkout(
            buyer=buyer,
            lines=[LineRequest(world.product.pk, "5")],
            delivery=station_delivery(world),
            idempotency_key="k",
        )


def test_shortage_changes_nothing_and_names_every_short_product(world):
    with pytest.raises(InsufficientStockError) as caught:
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "21"), LineRequest(world.other_product.pk, "1")],
            delivery=station_delivery(world),
            idempotency_key="short",
        )
    (shortage,) = caught.value.shortages
    assert shortage.product_id == world.product.pk
    assert shortage.available == 20
    assert Order.objects.count() == 0
    assert stock_of(world.other_product).allocated == 0


def test_whole_units_are_enforced_and_weights_may_be_decimal(world):
    apples_by_weight = ProductFactory(
        county=world.county, seller=world.seller, unit=Unit.KILOGRAM, stock=5
    )
    with pytest.raises(ShopError) as caught:
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1.5")],
            delivery=station_delivery(world),
        )
    assert caught.value.field == "lines[0].quantity"
    assert caught.value.code == ShopErrorCode.INVALID_QUANTITY
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(apples_by_weight.pk, "2.25")],
        delivery=station_delivery(world),
    )
    assert result.orders[0].total == Decimal("56.25")
    assert stock_of(apples_by_weight).allocated == Decimal("2.25")


@pytest.mark.parametrize(
    ("delivery", "code", "field"),
    [
        (DeliveryRequest("drone"), ShopErrorCode.UNKNOWN_DELIVERY_METHOD, "delivery.method"),
        (
            DeliveryRequest(DeliveryMethod.HOME, address=" "),
            ShopErrorCode.REQUIRED,
            "delivery.address",
        ),
        (
            DeliveryRequest(DeliveryMethod.STATION, station_id=999999),
            ShopErrorCode.UNKNOWN_STATION,
            "delivery.station_id",
        ),
    ],
)
def test_bad_delivery_names_the_field(world, delivery, code, field):
    with pytest.raises(ShopError) as caught:
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1")],
            delivery=delivery,
        )
    assert (caught.value.code, caught.value.field) == (code, field)


def test_delivery_defaults_to_the_buyers_station(world):
    buyer = world.users["buyer"]
    with pytest.raises(ShopError) as caught:
        place_checkout(buyer=buyer, lines=[LineRequest(world.product.pk, "1")], delivery=None)
    assert (caught.value.code, caught.value.field) == (ShopErrorCode.DELIVERY_REQUIRED, "delivery")
    BuyerProfile.objects.create(user=buyer, station=world.station, phone="139")
    result = place_checkout(buyer=buyer, lines=[LineRequest(world.product.pk, "1")], delivery=None)
    assert result.orders[0].station == world.station
    assert result.orders[0].delivery_method == DeliveryMethod.STATION


def test_inactive_products_cannot_be_ordered(world):
    world.product.active = False
    world.product.save()
    with pytest.raises(ShopError) as caught:
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1")],
            delivery=station_delivery(world),
            payment_method=PaymentMethod.BANK_TRANSFER,
        )
    assert caught.value.field == "lines[0].product_id"
    assert caught.value.code == ShopErrorCode.UNKNOWN_PRODUCT
