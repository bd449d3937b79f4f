"""Shared fixtures: a county with its people, factories loaded as fixtures (Saleor style)."""

import os
from dataclasses import dataclass

import pytest
from hypothesis import settings as hypothesis_settings

from countyhub.core.models import Role
from tests.factories.catalog import ProductFactory, SellerFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
from tests.factories.stations import StationFactory

# Property tests check behaviour, not speed (speed lives in bench/): Hypothesis's default 200 ms
# deadline per example turned a loaded machine's slow example into a failure.
hypothesis_settings.register_profile("countyhub", deadline=None)
hypothesis_settings.load_profile("countyhub")

requires_postgres = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs PostgreSQL (real row locks); set DATABASE_URL=postgres://...",
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Hashing is not under test; PBKDF2 would make each user cost ~0.2 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # The log-in throttle counts failures in the cache; tests must not inherit each other's.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    county: object
    station: object
    seller: object
    other_seller: object
    product: object
    other_product: object
    users: dict


@pytest.fixture
def world(db):
    """One county, two sellers with a product each, and a user for every role."""
    county = CountyFactory()
    station = StationFactory(village__township__county=county)
    seller = SellerFactory(county=county)
    other_seller = SellerFactory(county=county)
    product = ProductFactory(county=county, seller=seller, stock=20)
    other_product = ProductFactory(county=county, seller=other_seller, stock=20)
    users = {"anonymous": None}
    for role in Role:
        # County administrators work in the admin, as grant_role arranges.
        user = UserFactory(username=f"{role.value}-user", is_staff=role == Role.COUNTY_ADMIN)
        MembershipFactory(
            user=user,
            county=county,
            role=role,
            station=station if role == Role.STATION_OPERATOR else None,
        )
        users[role.value] = user
    seller.staff.add(users[Role.SELLER_STAFF])
    other_staff = UserFactory(username="other-seller-staff")
    MembershipFactory(user=other_staff, county=county, role=Role.SELLER_STAFF)
    other_seller.staff.add(other_staff)
    users["other_seller_staff"] = other_staff
    outsider = UserFactory(username="outsider-admin", is_staff=True)
    MembershipFactory(user=outsider, role=Role.COUNTY_ADMIN)  # admin of another county
    users["other_county_admin"] = outsider
    return World(county, station, seller, other_seller, product, other_product, users)
