"""Sales by channel on the seller dashboard (table, chart, CSV link) with the registered-poor
households' share, and the KPI "sales outside the own storefront", on hand-computed orders."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from countyhub.catalog.models import SellerHousehold
from countyhub.channels.models import Channel, ChannelKind, ChannelOrder, Platform
from countyhub.programs.kpis import county_kpis
from countyhub.programs.models import Kpi
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import UserFactory
from tests.factories.programs import make_order

TODAY = datetime.date(2025, 6, 30)


def sold(seller, product, day, amount, *, channel=None, refunded="0", status="completed"):
    order = make_order(seller, day=day, total=amount, status=status)
    order.lines.create(
        product=product,
        product_name=product.name,
        unit=product.unit,
        quantity=1,
        unit_price=Decimal(amount),
        line_total=Decimal(amount),
        refunded_amount=Decimal(refunded),
    )
    if refunded != "0":
        order.refunded_total = Decimal(refunded)
        order.save(update_fields=["refunded_total"])
    if channel is not None:
        ChannelOrder.objects.create(
            channel=channel, external_id=f"X{order.pk}", order=order, imported_at=timezone.now()
        )
    return order


@pytest.fixture
def sales(world, channel):
    """world.seller (linked to a registered-poor household): storefront ¥100 in May; Taobao
    ¥40 in May and ¥25 in June of which ¥5 refunded; a cancelled Taobao ¥999; Taobao ¥7 a year
    before. world.other_seller (not linked): Taobao ¥50 in June; ¥10 through a channel of the
    own storefront's kind (not outside)."""
    poor = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=poor, link="employs")
    own = Channel.objects.create(
        county=world.county,
        code="wechat",
        name="微信小店",
        kind=ChannelKind.STOREFRONT,
        platform=Platform.OWN,
    )
    s, p = world.seller, world.product
    sold(s, p, datetime.date(2025, 5, 3), "100.00")
    sold(s, p, datetime.date(2025, 5, 10), "40.00", channel=channel)
    sold(s, p, datetime.date(2025, 6, 2), "25.00", channel=channel, refunded="5.00")
    sold(s, p, datetime.date(2025, 6, 4), "999.00", channel=channel, status="cancelled")
    sold(s, p, datetime.date(2024, 5, 1), "7.00", channel=channel)
    o, q = world.other_seller, world.other_product
    sold(o, q, datetime.date(2025, 6, 3), "50.00", channel=channel)
    sold(o, q, datetime.date(2025, 6, 5), "10.00", channel=own)
    return world


def test_the_kpi_counts_the_sales_of_the_other_channels(sales):
    board = county_kpis(county=sales.county, year=2025, today=TODAY)
    outside = board.kpi(Kpi.SALES_OUTSIDE_STOREFRONT)
    # 40 + (25 - 5) + 50; not the cancelled, last year's, the storefront's nor the 微信小店's.
    assert outside.value == Decimal("110.00")
    assert outside.trend[-2:] == [("2025-05", Decimal("40.00")), ("2025-06", Decimal("70.00"))]
    assert outside.unit == "money"
    assert board.kpi(Kpi.ONLINE_SALES).value == Decimal("220.00")  # 100 + 40 + 20 + 50 + 10


def test_the_kpi_is_on_the_county_dashboard(sales, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(sales.users["county_admin"])
    html = client.get(f"/c/{sales.county.slug}/programs/", {"year": "2025"}).content.decode()
    assert 'id="kpi-outside_storefront"' in html
    assert "sales outside the own storefront" in html


def dashboard(client, user):
    client.force_login(user)
    with time_machine.travel(datetime.datetime(2025, 6, 30, 4, tzinfo=datetime.UTC), tick=False):
        return client.get("/seller/")


def rows(response, table):
    html = response.content.decode()
    body = html.split(f'id="{table}"')[1].split("</table>")[0]
    return [
        [cell.split("</td>")[0].strip() for cell in row.split("<td>")[1:]]
        for row in body.split("<tr>")[2:]
    ]


def test_the_seller_sees_its_sales_by_channel_with_the_poor_share(sales, client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = dashboard(client, sales.users["seller_staff"])
    assert response.status_code == 200
    assert rows(response, "channel-sales-totals") == [
        ["own storefront", "¥100.00", "100%"],
        ["淘宝特色馆", "¥60.00", "100%"],
    ]
    assert rows(response, "channel-sales-months") == [
        ["2025-06", "淘宝特色馆", "¥20.00", "100%"],
        ["2025-05", "own storefront", "¥100.00", "100%"],
        ["2025-05", "淘宝特色馆", "¥40.00", "100%"],
    ]
    html = response.content.decode()
    assert 'aria-label="Sales by channel in the last 12 months"' in html
    assert f"/c/{sales.county.slug}/channels/sales.csv" in html
    assert "¥50.00" not in html  # the other seller's sale


def test_staff_of_two_sellers_see_the_poor_share_of_both(sales, client, settings):
    both = UserFactory()
    sales.seller.staff.add(both)
    sales.other_seller.staff.add(both)
    response = dashboard(client, both)
    assert rows(response, "channel-sales-totals") == [
        ["淘宝特色馆", "¥110.00", "55%"],  # 60 of 110 from the poor-linked seller
        ["自营商城", "¥100.00", "100%"],
        ["微信小店", "¥10.00", "0%"],
    ]


def test_no_channels_no_panel(world, client):
    client.force_login(world.users["seller_staff"])
    assert 'id="channel-sales"' not in client.get("/seller/").content.decode()
