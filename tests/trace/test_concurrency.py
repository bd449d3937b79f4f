"""Bursts on PostgreSQL: concurrent scans are all counted; concurrent packers never overship a
batch or fork its hash chain."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, connections

from countyhub.trace import services, verification
from countyhub.trace.models import Batch, BatchShipment, EventKind, Scan
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def _in_thread(start, work):
    def run(argument):
        start.wait()
        try:
            return work(argument)
        finally:
            connections.close_all()

    return run


def test_concurrent_scans_are_all_counted(world):
    from tests.factories.trace import make_batch

    assert connection.vendor == "postgresql"
    batch = make_batch(world.users["seller_staff"], world.product)
    start = threading.Event()
    with ThreadPoolExecutor(16) as pool:
        futures = pool.map(
            _in_thread(
                start,
                lambda i: services.record_scan(batch_id=batch.pk, latitude=26.5, longitude=106.7),
            ),
            range(400),
        )
        start.set()
        list(futures)
    assert Scan.objects.filter(batch=batch).count() == 400


def test_concurrent_packing_never_overships_or_forks_the_chain(world):
    from countyhub.shop import services as shop
    from countyhub.shop.models import DeliveryMethod
    from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
    from tests.factories.trace import make_batch

    batch = make_batch(world.users["seller_staff"], world.product, quantity="5")
    orders = [
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "2")],
            delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
        ).orders[0]
        for _ in range(4)
    ]
    start = threading.Event()
    with ThreadPoolExecutor(4) as pool:
        futures = pool.map(
            _in_thread(
                start, lambda o: shop.pack_order(order=o, actor=world.users["seller_staff"])
            ),
            orders,
        )
        start.set()
        list(futures)
    batch = Batch.objects.get(pk=batch.pk)
    assert batch.shipped_quantity == Decimal(5)
    assert sum(BatchShipment.objects.values_list("quantity", flat=True)) == Decimal(5)
    assert batch.events.filter(kind=EventKind.SHIPPING).count() == 3  # 2 + 2 + 1
    assert verification.verify_batch(batch) is None
