"""Property: whatever buyers and sellers do, stock matches a simple model and never goes wrong."""

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countyhub.catalog.models import Stock, Unit
from countyhub.shop import services
from countyhub.shop.errors import InsufficientStockError
from countyhub.shop.models import DeliveryMethod, OrderStatus
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.factories.catalog import ProductFactory

quantities = st.decimals(min_value="0.001", max_value="8", places=3)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("place"), quantities),
        st.tuples(st.just("cancel"), st.integers(0, 20)),
        st.tuples(st.just("ship"), st.integers(0, 20)),
    ),
    max_size=15,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(initial=st.decimals(min_value="0", max_value="20", places=3), steps=steps)
def test_stock_follows_the_model(world, initial, steps):
    product = ProductFactory(county=world.county, seller=world.seller, unit=Unit.KILOGRAM)
    Stock.objects.filter(product=product).update(quantity=initial)
    buyer, staff = world.users["buyer"], world.users["seller_staff"]
    expected_quantity, expected_allocated = initial, Decimal(0)
    open_orders = []
    for action, value in steps:
        if action == "place":
            try:
                result = place_checkout(
                    buyer=buyer,
                    lines=[LineRequest(product.pk, value)],
                    delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
                )
            except InsufficientStockError:
                assert value > expected_quantity - expected_allocated
                continue
            expected_allocated += value
            open_orders.append((result.orders[0], value))
        elif open_orders:
            order, quantity = open_orders.pop(value % len(open_orders))
            if action == "cancel":
                services.cancel_order(order=order, actor=buyer)
                expected_allocated -= quantity
            else:
                services.pack_order(order=order, actor=staff)
                services.ship_order(order=order, actor=staff, carrier="邮政", tracking_number="1")
                assert order.status == OrderStatus.SHIPPED
                expected_quantity -= quantity
                expected_allocated -= quantity
        stock = Stock.objects.get(product=product)
        assert (stock.quantity, stock.allocated) == (expected_quantity, expected_allocated)
        assert 0 <= stock.allocated <= stock.quantity
