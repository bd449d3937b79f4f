"""Listings on channels priced by the channel's rule (markup, the latest rate on or before the
day, half up to the currency's minor units, the price ending), and cross-border listings refused
until the product's trade data and export compliance are complete."""

import datetime
from decimal import Decimal

import pytest

from countyhub.catalog.models import SellerHousehold
from countyhub.channels.errors import ChannelError, ChannelErrorCode, NotListableError
from countyhub.channels.models import ChannelKind, Charm, ListingStatus, Platform
from countyhub.channels.services import create_channel, save_listing
from countyhub.crossborder import selectors, services
from countyhub.crossborder.models import RateSource

from .setup import DAY, RATE, compliance, export_fields, hs_table, parties, shop_order, trade_data

pytestmark = pytest.mark.django_db


def channel(world, currency="USD", **rule):
    values = {
        "kind": ChannelKind.CROSSBORDER,
        "platform": Platform.OTHER,
        "destination": "US",
        **rule,
    }
    return create_channel(
        actor=None,
        county=world.county,
        code=f"abroad-{currency.lower()}",
        name=f"Abroad {currency}",
        currency=currency,
        **values,
    )


def rate(currency, value, day=DAY):
    services.record_rate(
        actor=None, currency=currency, day=day, source=RateSource.PBOC, rate=Decimal(value)
    )


def priced(world, shop, **changes):
    values = {"actor": None, "channel": shop, "product": world.product, "day": DAY, **changes}
    return save_listing(**values).price


@pytest.mark.parametrize(
    ("charm", "expected"),
    [
        # 100.00 CNY + 10 % = 110.00; / 7.1234 = 15.4421… → 15.44; ending .99 → 15.99;
        # whole → 16.00.
        (Charm.NONE, Decimal("15.44")),
        (Charm.X99, Decimal("15.99")),
        (Charm.WHOLE, Decimal("16.00")),
    ],
)
def test_usd_price_by_the_channel_rule(world, charm, expected):
    world.product.price = Decimal("100.00")
    world.product.save()
    rate("USD", RATE)
    shop = channel(world, markup_percent=Decimal(10), charm=charm)
    assert priced(world, shop) == expected


@pytest.mark.parametrize(
    ("charm", "expected"),
    [
        # 110.00 CNY / 0.0476 = 2310.92… → 2311 yen (no minor units); ending 99 → 2399;
        # whole: already whole.
        (Charm.NONE, Decimal(2311)),
        (Charm.X99, Decimal(2399)),
        (Charm.WHOLE, Decimal(2311)),
    ],
)
def test_jpy_price_has_no_minor_units(world, charm, expected):
    world.product.price = Decimal("100.00")
    world.product.save()
    rate("JPY", "0.0476")
    shop = channel(world, currency="JPY", markup_percent=Decimal(10), charm=charm)
    assert priced(world, shop) == expected


def test_the_latest_rate_on_or_before_the_day_applies_and_a_missing_one_is_named(world):
    world.product.price = Decimal("100.00")
    world.product.save()
    shop = channel(world)
    with pytest.raises(ChannelError) as caught:
        priced(world, shop)
    assert caught.value.code is ChannelErrorCode.MISSING_RATE
    assert caught.value.message == (
        "There is no USD exchange rate on or before 2026-12-07: enter that day's rate or set "
        "the price by hand."
    )
    rate("USD", "8", day=DAY + datetime.timedelta(days=1))  # a later rate is not used
    with pytest.raises(ChannelError):
        priced(world, shop)
    rate("USD", "6.25", day=DAY - datetime.timedelta(days=3))  # the Friday before
    assert priced(world, shop) == Decimal("16.00")  # 100 / 6.25
    # Set by hand: no rate needed, the price kept as given.
    assert priced(world, shop, price=Decimal("14.50")) == Decimal("14.50")


def test_a_cny_channel_marks_up_and_rounds(world):
    world.product.price = Decimal("12.34")
    world.product.save()
    shop = create_channel(
        actor=None,
        county=world.county,
        code="taobao",
        name="Taobao",
        kind=ChannelKind.MARKETPLACE,
        platform=Platform.TAOBAO,
        markup_percent=Decimal(8),
        charm=Charm.WHOLE,
    )
    # 12.34 × 1.08 = 13.3272 → 13.33 → whole 14.00; no gaps asked of a marketplace.
    assert priced(world, shop, status=ListingStatus.LISTED) == Decimal("14.00")


def test_cross_border_listing_needs_trade_data_and_compliance_for_the_destination(world):
    hs_table()
    rate("USD", RATE)
    shop = channel(world)
    # A draft may wait for the trade data; being offered may not.
    assert priced(world, shop) > 0
    with pytest.raises(NotListableError) as caught:
        priced(world, shop, status=ListingStatus.LISTED)
    assert caught.value.gaps == [
        "Trade data is missing: HS code, declared names, weights, producer."
    ]
    assert caught.value.details() == {"gaps": caught.value.gaps}
    made = parties(world.county, world.seller)
    trade_data(world.product, made["producer"])
    # Green tea needs exit inspection (Q.S): no compliance record yet.
    with pytest.raises(NotListableError) as caught:
        priced(world, shop, status=ListingStatus.READY)
    (gap,) = caught.value.gaps
    assert "needs exit inspection (P.R/Q.S)" in gap and "covering US" in gap
    assert gap in caught.value.message
    compliance(made["producer"], destinations="JP")  # not for this channel's destination
    with pytest.raises(NotListableError):
        priced(world, shop, status=ListingStatus.LISTED)
    compliance(made["producer"], number="2", destinations="US")
    listing = save_listing(
        actor=None, channel=shop, product=world.product, day=DAY, status=ListingStatus.LISTED
    )
    assert listing.status == ListingStatus.LISTED and listing.price == Decimal("3.51")


def test_a_cross_border_channel_without_destination_lists_nothing(world):
    hs_table()
    made = parties(world.county, world.seller)
    trade_data(world.product, made["producer"])
    compliance(made["producer"])
    shop = channel(world, destination="")
    with pytest.raises(NotListableError) as caught:
        priced(world, shop, price=Decimal(5), status=ListingStatus.LISTED)
    assert caught.value.gaps == ["The channel Abroad USD has no destination country: set it first."]


def test_the_channel_page_says_what_each_product_lacks(world, client):
    hs_table()
    shop = channel(world)
    client.force_login(world.users["seller_staff"])
    page = client.get(f"/c/{world.county.slug}/channels/{shop.code}/").content.decode()
    assert 'id="listing-gaps"' in page
    assert world.product.name in page
    assert "Trade data is missing: HS code, declared names, weights, producer." in page
    assert world.other_product.name not in page  # another seller's product is not shown
    made = parties(world.county, world.seller)
    trade_data(world.product, made["producer"])
    compliance(made["producer"])
    page = client.get(f"/c/{world.county.slug}/channels/{shop.code}/").content.decode()
    assert 'id="listing-gaps"' not in page


def test_export_report_shows_the_registered_poor_households_share(world, client):
    from tests.factories.catalog import HouseholdFactory

    hs_table()
    rate("USD", RATE)
    made = parties(world.county, world.seller)
    trade_data(world.product, made["producer"])
    compliance(made["producer"])
    services.create_export_order(
        actor=None, order=shop_order(world.seller, world.product), **export_fields(made)
    )
    (row,) = selectors.export_sales(world.county)["currency"]
    assert row["poor_cny"] == 0 and row["poor_share"] == 0
    poor = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=poor, link="employs")
    (row,) = selectors.export_sales(world.county)["currency"]
    # 42.12 USD × 7.1234 = 300.04 CNY, all of it from a seller linked to a poor household.
    assert row["poor_cny"] == Decimal("300.04") and row["poor_share"] == 1
    client.force_login(world.users["county_admin"])
    report = client.get(f"/c/{world.county.slug}/exports/report.csv").content.decode("utf-8-sig")
    lines = report.replace("\r", "").splitlines()
    assert lines[0].endswith(",cny,poor_linked_cny,poor_share")
    assert "currency,USD,,1,3.00000,42.12,300.04,300.04,1.0000" in lines
