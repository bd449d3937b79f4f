"""Many buyers at once, one product: sold == initial stock, nothing negative, no duplicates."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from countyhub.catalog.models import Stock
from countyhub.shop.errors import InsufficientStockError
from countyhub.shop.models import Checkout, DeliveryMethod, Order, OrderLine
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.conftest import requires_postgres
from tests.factories.catalog import ProductFactory
from tests.factories.core import CountyFactory, UserFactory
from tests.factories.stations import StationFactory

INITIAL_STOCK = 40
ATTEMPTS = 90
THREADS = 16

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _in_thread(start, work):
    def run(*args):
        try:
            start.wait(timeout=30)
            return work(*args)
        finally:
            connections.close_all()

    return run


def test_concurrent_checkouts_never_oversell():
    assert connection.vendor == "postgresql"
    county = CountyFactory()
    station = StationFactory(village__township__county=county)
    product = ProductFactory(county=county, stock=INITIAL_STOCK)
    buyers = [UserFactory() for _ in range(8)]
    delivery = DeliveryRequest(DeliveryMethod.STATION, station.pk)
    start = threading.Event()

    def checkout(attempt):
        try:
            result = place_checkout(
                buyer=buyers[attempt % len(buyers)],
                lines=[LineRequest(product.pk, "1")],
                delivery=delivery,
                idempotency_key=f"attempt-{attempt}",
            )
        except InsufficientStockError:
            return "short"
        return result.orders[0].pk

    with ThreadPoolExecutor(THREADS) as pool:
        futures = pool.map(_in_thread(start, checkout), range(ATTEMPTS))
        start.set()
        outcomes = list(futures)

    order_ids = [o for o in outcomes if o != "short"]
    stock = Stock.objects.get(product=product)
    sold = sum(OrderLine.objects.filter(product=product).values_list("quantity", flat=True))
    assert sold == INITIAL_STOCK
    assert len(order_ids) == INITIAL_STOCK == len(set(order_ids))
    assert outcomes.count("short") == ATTEMPTS - INITIAL_STOCK
    assert stock.allocated == stock.quantity == INITIAL_STOCK
    assert Order.objects.count() == INITIAL_STOCK


def test_a_retried_checkout_racing_itself_orders_once():
    county = CountyFactory()
    station = StationFactory(village__township__county=county)
    product = ProductFactory(county=county, stock=10)
    buyer = UserFactory()
    start = threading.Event()

    def checkout(_attempt):
        result = place_checkout(
            buyer=buyer,
            lines=[LineRequest(product.pk, "2")],
            delivery=DeliveryRequest(DeliveryMethod.STATION, station.pk),
            idempotency_key="double-tap",
        )
        return result.orders[0].pk

    with ThreadPoolExecutor(THREADS) as pool:
        futures = pool.map(_in_thread(start, checkout), range(THREADS))
        start.set()
        order_ids = set(futures)

    assert len(order_ids) == 1
    assert Checkout.objects.filter(buyer=buyer).count() == 1
    assert Stock.objects.get(product=product).allocated == 2
