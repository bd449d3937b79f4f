"""Data for the deployment test, written into its throwaway database by a process of its own
(the test's servers read that database, not pytest-django's):

    python -m tests.deploy.seed make [STOCK]
                                        -> JSON: the buyer's API token, the product (STOCK units,
                                           50 by default), the station, the traced batch's GTIN
                                           and lot, the session cookie of an administrator of
                                           the county
    python -m tests.deploy.seed check PRODUCT_ID BATCH_ID
                                        -> JSON: orders, units ordered and allocated, scans
"""

from __future__ import annotations

import json
import sys

import django


def make(stock: int = 50) -> dict[str, object]:
    from countyhub.core.models import Role
    from countyhub.core.services import issue_api_token
    from tests.factories.catalog import ProductFactory, SellerFactory
    from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
    from tests.factories.stations import StationFactory
    from tests.factories.trace import make_batch
    from tests.trace.conftest import record_history

    county = CountyFactory()
    station = StationFactory(village__township__county=county)
    seller = SellerFactory(county=county)
    product = ProductFactory(county=county, seller=seller, stock=stock)
    staff = UserFactory(username="deploy-seller")
    MembershipFactory(user=staff, county=county, role=Role.SELLER_STAFF)
    seller.staff.add(staff)
    buyer = UserFactory(username="deploy-buyer")
    MembershipFactory(user=buyer, county=county, role=Role.BUYER)
    batch = record_history(make_batch(staff, product, lot="DEPLOY-1"), staff)
    admin = UserFactory(username="deploy-admin", is_staff=True)
    MembershipFactory(user=admin, county=county, role=Role.COUNTY_ADMIN)
    return {
        "token": issue_api_token(user=buyer),
        "county": county.slug,
        "product_id": product.pk,
        "price": str(product.price),
        "station_id": station.pk,
        "batch_id": batch.pk,
        "gtin": batch.gtin,
        "lot": batch.lot,
        "admin_cookie": _session_cookie(admin),
    }


def check(product_id: int, batch_id: int) -> dict[str, object]:
    from countyhub.catalog.models import Product
    from countyhub.shop.models import Order, OrderLine
    from countyhub.trace.models import Scan

    product = Product.objects.get(pk=product_id)
    return {
        "orders": Order.objects.count(),
        "ordered": str(sum(line.quantity for line in OrderLine.objects.filter(product=product))),
        "allocated": str(product.stock.allocated),
        "scans": Scan.objects.filter(batch_id=batch_id).count(),
    }


def _session_cookie(user) -> str:
    """The cookie of a session `user` is logged in with (the county's report pages need one)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "make":
        result = make(*(int(a) for a in sys.argv[2:3]))
    else:
        result = check(int(sys.argv[2]), int(sys.argv[3]))
    sys.stdout.write(json.dumps(result) + "\n")
