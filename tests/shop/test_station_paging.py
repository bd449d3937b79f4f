"""The station desk's lists grow with the station: they are paged with counts (seen on the demo:
the villagers' orders stopped silently at 50)."""

import re

from countyhub.shop import services
from countyhub.shop.services import LineRequest


def _villager_orders(world, count):
    return [
        services.place_assisted_order(
            operator=world.users["station_operator"],
            station=world.station,
            villager_name=f"村民{number}",
            villager_phone="13900001111",
            lines=[LineRequest(world.product.pk, "1")],
        ).orders[0]
        for number in range(count)
    ]


def _rows(html, table):
    body = html.split(f'id="{table}"')[1].split("</table>")[0]
    return re.findall(r'<tr id="villager-order-([^"]+)"', body)


def test_the_villagers_orders_are_paged_with_a_count(world, client):
    world.product.stock.quantity = 100
    world.product.stock.save()
    orders = _villager_orders(world, 27)
    client.force_login(world.users["station_operator"])
    first = client.get("/station/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get("/station/?page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    shown = _rows(first, "villager-orders") + _rows(second, "villager-orders")
    assert len(_rows(first, "villager-orders")) == 25
    assert sorted(shown) == sorted(order.number for order in orders)
    assert "27 items · page 1 of 2" in first


def test_the_parcels_are_paged_apart_from_the_villagers_orders(world, client):
    world.product.stock.quantity = 100
    world.product.stock.save()
    for order in _villager_orders(world, 31):
        services.ship_order(
            order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
        )
    client.force_login(world.users["station_operator"])
    first = client.get("/station/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get("/station/?parcels_page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cards = re.compile(r'<li class="card" id="order-([^"]+)"')
    assert len(cards.findall(first)) == 30 and len(cards.findall(second)) == 1
    assert "31 items · page 1 of 2" in first
