import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from countyhub.catalog.models import SellerHousehold
from tests.api.conftest import ApiClient
from tests.factories.catalog import HouseholdFactory
from tests.factories.programs import BudgetLineFactory, RuleFactory, make_order


@pytest.fixture(autouse=True)
def _english(settings):
    # Messages are asserted in English; test_i18n asks for zh-Hans explicitly (cookie).
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def api_as(client):
    """A JSON API client as the given user (anonymous without one), asking for English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return lambda user=None: ApiClient(client, user)


@pytest.fixture
def january(world):
    """The seller's two January orders (returned), the seller employing a registered-poor
    household, and a rule of 2.00 on a budget line of 3.00."""
    budget = BudgetLineFactory(program__county=world.county, amount=Decimal("3.00"))
    household = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    RuleFactory(budget_line=budget, amount=Decimal("2.00"))
    return [make_order(world.seller, day=datetime.date(2025, 1, d)) for d in (3, 4)]
