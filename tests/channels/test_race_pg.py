"""On PostgreSQL: an order import racing storefront checkouts for the last units never oversells."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from countyhub.catalog.models import Stock
from countyhub.channels.importing import DraftLine, OrderDraft
from countyhub.channels.models import Channel, ChannelKind, ChannelOrder
from countyhub.channels.services import import_orders
from countyhub.shop.errors import InsufficientStockError
from countyhub.shop.models import DeliveryMethod, OrderLine
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from tests.conftest import requires_postgres
from tests.factories.catalog import ProductFactory
from tests.factories.core import CountyFactory, UserFactory
from tests.factories.stations import StationFactory

STOCK = 30
CHECKOUTS = 40
IMPORTS = 20

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_imports_racing_checkouts_for_the_last_units_never_oversell():
    assert connection.vendor == "postgresql"
    county = CountyFactory()
    station = StationFactory(village__township__county=county)
    product = ProductFactory(county=county, stock=STOCK)
    channel = Channel.objects.create(
        county=county, code="taobao", name="淘宝", kind=ChannelKind.MARKETPLACE, platform="taobao"
    )
    buyers = [UserFactory() for _ in range(8)]
    delivery = DeliveryRequest(DeliveryMethod.STATION, station.pk)
    start = threading.Event()

    def work(attempt):
        try:
            start.wait(timeout=30)
            if attempt % 3 == 0:
                # Each import carries two one-unit orders: it lands whole or not at all.
                drafts = [OrderDraft(f"TB{attempt}-{n}", [DraftLine(product, 1)]) for n in range(2)]
                import_orders(channel=channel, actor=None, drafts=drafts)
                return 2
            place_checkout(
                buyer=buyers[attempt % len(buyers)],
                lines=[LineRequest(product.pk, "1")],
                delivery=delivery,
                idempotency_key=f"checkout-{attempt}",
            )
            return 1
        except InsufficientStockError:
            return 0
        finally:
            connections.close_all()

    with ThreadPoolExecutor(12) as pool:
        futures = pool.map(work, range(CHECKOUTS + IMPORTS))
        start.set()
        sold_by_outcome = sum(futures)

    sold = sum(OrderLine.objects.filter(product=product).values_list("quantity", flat=True))
    stock = Stock.objects.get(product=product)
    assert sold == sold_by_outcome == stock.allocated
    assert STOCK - 1 <= sold <= STOCK  # a two-unit import may find one unit left
    assert ChannelOrder.objects.count() % 2 == 0
