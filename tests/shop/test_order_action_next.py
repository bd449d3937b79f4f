"""After an order action the page goes back only to a page of this site (issue 13)."""

import pytest

from countyhub.shop.models import OrderStatus
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout


@pytest.fixture
def order(world):
    return place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "1"),
    ).orders[0]


@pytest.mark.parametrize("carrier", ["   ", ""])
def test_ship_without_a_carrier_goes_back_with_a_message(world, client, order, carrier):
    client.force_login(world.users["seller_staff"])
    client.post(f"/orders/{order.number}/pack/")
    response = client.post(
        f"/orders/{order.number}/ship/",
        {"carrier": carrier, "tracking_number": "YZ42", "next": "dashboard"},
    )
    assert (response.status_code, response.url) == (302, "/seller/")
    order.refresh_from_db()
    assert order.status != OrderStatus.SHIPPED


@pytest.mark.parametrize(
    "target", ["https://evil.example", "//evil.example/x", "/admin/", "shop:order"]
)
@pytest.mark.parametrize("action", ["pack", "ship"])
def test_next_never_leaves_for_another_page(world, client, order, target, action):
    client.force_login(world.users["seller_staff"])
    body = {"next": target} | ({"carrier": " "} if action == "ship" else {})
    response = client.post(f"/orders/{order.number}/{action}/", body)
    assert (response.status_code, response.url) == (302, f"/orders/{order.number}/")
