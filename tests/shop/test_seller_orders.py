"""The seller's order list: search, filters, paging; shipped orders stay findable; a seller sees
only their own orders (issue 11)."""

import datetime
import re
from decimal import Decimal

import pytest

from countyhub.shop.models import OrderLine, OrderStatus
from tests.factories.programs import make_order

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


def numbers_on(html: str) -> list[str]:
    return re.findall(r'<tr id="order-([^"]+)">', html)


def with_line(order, product, name: str | None = None):
    OrderLine.objects.create(
        order=order,
        product=product,
        product_name=name or product.name,
        unit=product.unit,
        quantity=Decimal(1),
        unit_price=order.total,
        line_total=order.total,
    )
    return order


@pytest.fixture
def seller_client(client, world):
    client.force_login(world.users["seller_staff"])
    return client


def test_every_order_of_the_seller_is_on_some_page_including_shipped_ones(seller_client, world):
    statuses = [
        OrderStatus.PLACED,
        OrderStatus.SHIPPED,
        OrderStatus.COMPLETED,
        OrderStatus.DELIVERED,
    ]
    numbers = {
        make_order(
            world.seller, day=DAY + datetime.timedelta(days=i), status=statuses[i % 4]
        ).number
        for i in range(124)
    }
    make_order(world.other_seller, day=DAY)
    pages = [
        seller_client.get(f"/seller/orders/?page={n}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        for n in range(1, 6)
    ]
    shown = [number for html in pages for number in numbers_on(html)]
    assert len(shown) == 124 and set(shown) == numbers
    assert "124 items · page 5 of 5" in pages[4]
    zh = seller_client.get("/seller/orders/?page=5", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "共 124 件 · 第 5 / 5 页" in zh.content.decode()


def test_search_by_number_buyer_phone_and_product(seller_client, world):
    apples = with_line(make_order(world.seller, day=DAY), world.product, "高山苹果")
    other = make_order(world.seller, day=DAY)
    other.recipient_name, other.phone = "李四", "13912345678"
    other.save()
    for query, expected in [
        ("高山", [apples.number]),
        ("李四", [other.number]),
        ("1391234", [other.number]),
        (apples.number, [apples.number]),
        (apples.number.lower(), [apples.number]),
    ]:
        html = seller_client.get("/seller/orders/", {"q": query}).content.decode()
        assert numbers_on(html) == expected, query


def test_filters_by_status_date_and_station(seller_client, world):
    shipped = make_order(world.seller, day=DAY, status=OrderStatus.SHIPPED)
    at_station = make_order(world.seller, day=DAY, station=world.station)
    late = make_order(world.seller, day=DAY + datetime.timedelta(days=10))

    def shown(**query):
        return set(numbers_on(seller_client.get("/seller/orders/", query).content.decode()))

    assert shown(status="shipped") == {shipped.number}
    assert shown(station=world.station.pk) == {at_station.number}
    assert shown(placed_from="2026-03-05") == {late.number}
    assert shown(placed_to="2026-03-01") == {shipped.number, at_station.number}
    # A wrong filter is dropped, not a server error.
    assert shown(status="nonsense", placed_from="yesterday") == {
        shipped.number,
        at_station.number,
        late.number,
    }


def test_a_seller_never_finds_another_sellers_orders(client, world):
    theirs = with_line(make_order(world.other_seller, day=DAY), world.other_product)
    mine = make_order(world.seller, day=DAY)
    client.force_login(world.users["seller_staff"])
    everything = numbers_on(client.get("/seller/orders/").content.decode())
    assert everything == [mine.number]
    assert numbers_on(client.get("/seller/orders/", {"q": theirs.number}).content.decode()) == []
    assert (
        numbers_on(client.get("/seller/orders/", {"q": world.other_product.name}).content.decode())
        == []
    )


@pytest.mark.parametrize("role", ["buyer", "station_operator", "county_admin"])
def test_only_seller_staff_have_an_order_list(client, world, role):
    client.force_login(world.users[role])
    assert client.get("/seller/orders/").status_code == 403


def test_the_list_takes_a_fixed_number_of_queries(
    seller_client, world, django_assert_max_num_queries
):
    for i in range(30):
        with_line(make_order(world.seller, day=DAY + datetime.timedelta(days=i)), world.product)
    with django_assert_max_num_queries(12):
        seller_client.get("/seller/orders/?q=T")
