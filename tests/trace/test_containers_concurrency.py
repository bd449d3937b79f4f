"""Concurrent packers on PostgreSQL: a lot is never over-packed, SSCCs are never handed out
twice, and the shared events never fork a chain or deadlock (batch rows locked in pk order)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connections

from countyhub.trace import selectors, services
from countyhub.trace.errors import TraceError
from countyhub.trace.models import Container, EventKind
from countyhub.trace.services import LotQuantity
from countyhub.trace.verification import verify_batches
from tests.conftest import requires_postgres
from tests.factories.trace import make_batch

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_case_packing_stays_within_the_lots(world):
    admin = world.users["county_admin"]
    first = make_batch(world.users["seller_staff"], world.product, lot="C1")
    second = make_batch(world.users["other_seller_staff"], world.other_product, lot="C2")
    start = threading.Event()

    def pack(number):
        start.wait()
        pair = [LotQuantity(first, Decimal(15)), LotQuantity(second, Decimal(15))]
        try:
            # Half name the lots the other way round: the locks are still taken in pk order.
            services.pack_case(actor=admin, lots=pair if number % 2 else pair[::-1])
        except TraceError as error:
            return error.field
        finally:
            connections.close_all()
        return "packed"

    with ThreadPoolExecutor(8) as pool:
        futures = pool.map(pack, range(8))
        start.set()
        outcomes = list(futures)
    assert sorted(outcomes) == ["packed"] * 6 + ["quantity"] * 2  # 6 x 15 <= 100 < 7 x 15
    assert selectors.packed_quantity(first) == selectors.packed_quantity(second) == Decimal(90)
    ssccs = list(Container.objects.values_list("sscc", flat=True))
    assert len(set(ssccs)) == 6
    assert first.events.filter(kind=EventKind.CASE_PACKING).count() == 6
    assert verify_batches() == (2, [])
