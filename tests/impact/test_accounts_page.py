"""The county accounts page: the platform's components beside the yearbook proxies, the residual
line always printed, and who may see it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from countyhub.impact.services import record_figure
from tests.impact.test_flows import order


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


def url(world, year=2025):
    return reverse("impact:accounts", args=[world.county.slug]) + f"?year={year}"


def figures(world, **values):
    admin = world.users["county_admin"]
    for indicator, value in values.items():
        record_figure(actor=admin, county=world.county, year=2025, indicator=indicator,
                      value=Decimal(value), unit="100m_yuan", source="统计公报")  # fmt: skip


def test_residual_line_is_printed_with_the_platform_beside_the_proxies(world, client):
    world.product.produced_in_county = True
    world.product.save()
    order(world, world.product, "1000", kind="household", station=True)
    order(world, world.product, "500", kind="household", station=True, day=dt.date(2024, 6, 1))
    # notes/surveys.md §4.4 in 100 million yuan: 120 - (50 + 60 + 35 + 4 - 1) = -28.
    figures(world, gdp_production="120", retail_sales="50", fixed_asset_investment="60",
            budget_expenditure="35", customs_exports="4", customs_imports="1")  # fmt: skip
    client.force_login(world.users["analyst"])
    page = client.get(url(world)).content.decode()
    assert "Inter-county net exports and statistical discrepancy" in page
    assert "-¥2,800,000,000.00" in page or "¥-2,800,000,000.00" in page
    assert "¥1,000.00" in page  # the platform's C
    assert "100.00" in page  # growth: 1,000 on 500 is +100 %, C contributes 100 pp
    assert "<svg" in page


def test_residual_line_says_what_is_missing_instead_of_zero(world, client):
    figures(world, gdp_production="120")
    client.force_login(world.users["county_admin"])
    page = client.get(url(world)).content.decode()
    assert "Inter-county net exports and statistical discrepancy" in page
    assert "cannot be computed" in page and "Customs imports" in page


@pytest.mark.parametrize("user", ["other_county_admin", "seller_staff", "buyer"])
def test_other_counties_and_roles_cannot_see_it(world, client, user):
    client.force_login(world.users[user])
    assert client.get(url(world)).status_code == 403
