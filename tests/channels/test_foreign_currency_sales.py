"""Orders of a channel selling in a foreign currency count in yuan only at the rate frozen on them
when they were placed; an order whose day had no rate is shown in its own currency, never added
to yuan. Hand-computed: 2 × 10.00 USD at 7.1234 CNY per USD = 142.468 → 142.47 CNY."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from countyhub.catalog.models import Product
from countyhub.channels.importing import DraftLine, OrderDraft
from countyhub.channels.models import Channel, ChannelKind, Listing, ListingStatus, Platform
from countyhub.channels.selectors import (
    STOREFRONT,
    outside_storefront_share,
    sales_by_channel,
    sales_in_other_currencies,
)
from countyhub.channels.services import import_orders
from countyhub.crossborder.models import ExchangeRate, RateSource
from countyhub.programs.kpis import county_kpis
from countyhub.programs.models import Kpi
from countyhub.shop import selectors as shop_selectors
from countyhub.shop.models import Order
from tests.factories.programs import make_order

DAY = datetime.date(2026, 12, 7)
NOON = datetime.datetime(2026, 12, 7, 4, 0, tzinfo=datetime.UTC)  # 12:00 in the county


@pytest.fixture
def abroad(world):
    channel = Channel.objects.create(
        county=world.county,
        code="abroad-us",
        name="Abroad",
        kind=ChannelKind.CROSSBORDER,
        platform=Platform.OTHER,
        currency="USD",
        destination="US",
    )
    Listing.objects.create(
        product=world.product, channel=channel, price=Decimal("10.00"), status=ListingStatus.LISTED
    )
    return channel


def _import(world, channel, number="US-1"):
    draft = OrderDraft(number, [DraftLine(world.product, Decimal(2))])
    with time_machine.travel(NOON, tick=False):
        import_orders(channel=channel, actor=None, drafts=[draft])
    return Order.objects.get(channel_order__external_id=number)


def _storefront_sale(world, amount="100.00"):
    order = make_order(world.seller, day=DAY, total=amount, status="completed")
    order.lines.create(
        product=world.product,
        product_name=world.product.name,
        unit=world.product.unit,
        quantity=1,
        unit_price=Decimal(amount),
        line_total=Decimal(amount),
    )
    return order


def test_a_usd_order_counts_in_yuan_at_the_rate_frozen_at_placement(world, abroad):
    ExchangeRate.objects.create(
        currency="USD", date=DAY - datetime.timedelta(days=2), source="pboc", rate="7.1234"
    )
    order = _import(world, abroad)
    assert (order.currency, order.total) == ("USD", Decimal("20.00"))
    assert order.fx_rate == Decimal("7.1234")
    assert order.fx_date == DAY - datetime.timedelta(days=2)  # the last rate on or before
    assert order.fx_source == RateSource.PBOC
    # A later rate never changes the order's figures.
    ExchangeRate.objects.create(currency="USD", date=DAY, source="pboc", rate="9")
    _storefront_sale(world)
    products = Product.objects.filter(county=world.county)
    rows = {row.channel: row for row in sales_by_channel(county=world.county, products=products)}
    assert rows["abroad-us"].sales == Decimal("142.47")  # not 20.00 "yuan"
    assert rows["abroad-us"].currency == "CNY"
    assert rows[STOREFRONT].sales == Decimal("100.00")
    assert sales_in_other_currencies(county=world.county, products=products) == []
    # 142.47 / 242.47 of the sales were made outside the own storefront.
    share = outside_storefront_share(list(rows.values()))
    assert share == Decimal("142.47") / Decimal("242.47")
    with time_machine.travel(NOON, tick=False):
        board = county_kpis(county=world.county, year=2026, today=DAY)
    assert board.kpi(Kpi.ONLINE_SALES).value == Decimal("242.47")
    assert board.kpi(Kpi.SALES_OUTSIDE_STOREFRONT).value == Decimal("142.47")


def test_without_a_rate_the_order_is_shown_in_its_own_currency(world, abroad):
    order = _import(world, abroad)
    assert order.fx_rate is None and order.fx_date is None and order.fx_source == ""
    _storefront_sale(world)
    products = Product.objects.filter(county=world.county)
    rows = sales_by_channel(county=world.county, products=products)
    assert [(row.channel, row.sales) for row in rows] == [(STOREFRONT, Decimal("100.00"))]
    (other,) = sales_in_other_currencies(county=world.county, products=products)
    assert (other.channel, other.currency, other.sales) == ("abroad-us", "USD", Decimal("20.00"))
    assert shop_selectors.sales(county=world.county).count() == 1  # the yuan figures' orders
    with time_machine.travel(NOON, tick=False):
        board = county_kpis(county=world.county, year=2026, today=DAY)
    assert board.kpi(Kpi.ONLINE_SALES).value == Decimal("100.00")


def test_the_sales_page_says_which_figures_are_converted(world, abroad, client):
    ExchangeRate.objects.create(currency="USD", date=DAY, source="pboc", rate="7.1234")
    _import(world, abroad, "US-1")
    ExchangeRate.objects.all().delete()
    _import(world, abroad, "US-2")
    client.force_login(world.users["seller_staff"])
    with time_machine.travel(NOON, tick=False):
        page = client.get(f"/c/{world.county.slug}/channels/").content.decode()
        csv = client.get(f"/c/{world.county.slug}/channels/sales.csv").content.decode("utf-8-sig")
    assert "142.47" in page
    assert 'id="other-currencies"' in page and "20.00" in page and "USD" in page
    lines = csv.replace("\r", "").splitlines()
    assert lines[0].startswith("channel,month,product_id,product,currency,")
    assert any(line.startswith("abroad-us,2026-12,") and ",CNY,142.47," in line for line in lines)
    assert any(line.startswith("abroad-us,2026-12,") and ",USD,20.00," in line for line in lines)
