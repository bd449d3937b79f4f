"""POST /api/channels/<code>/orders and GET /api/channels/<code>/stock, with permissions."""

import pytest

from countyhub.catalog.models import Stock
from countyhub.channels.models import Channel, ChannelKind, ChannelOrder, Listing, ListingStatus
from countyhub.shop.models import Order
from tests.factories.catalog import ProductFactory


def body(world, *orders):
    return {
        "orders": [
            {"external_id": number, "lines": [{"product_id": world.product.pk, "quantity": q}]}
            for number, q in orders
        ]
    }


def test_import_then_replay_counts_existing(world, channel, api_as):
    api = api_as(world.users["seller_staff"])
    first = api.post("/api/channels/taobao/orders", body(world, ("A1", "1"), ("A2", 2)))
    assert first.status_code == 200, first.json()
    assert first.json() == {"imported": 2, "existing": 0}
    again = api.post("/api/channels/taobao/orders", body(world, ("A1", "1"), ("A3", 1.0)))
    assert again.json() == {"imported": 1, "existing": 1}
    assert Stock.objects.get(product=world.product).allocated == 4
    assert ChannelOrder.objects.count() == 3


def test_a_shortage_is_409_and_imports_nothing(world, channel, api_as):
    api = api_as(world.users["seller_staff"])
    response = api.post("/api/channels/taobao/orders", body(world, ("A1", "15"), ("A2", "15")))
    assert response.status_code == 409
    assert response.json()["shortages"][0]["product_id"] == world.product.pk
    assert Order.objects.count() == 0


def test_bad_orders_are_422_each_named_by_index_and_field(world, channel, api_as):
    api = api_as(world.users["seller_staff"])
    payload = body(world, ("A1", "1"), ("A2", "-1"), ("A3", "abc"))
    payload["orders"].append(
        {"external_id": "A4", "lines": [{"product_id": world.other_product.pk, "quantity": 1}]}
    )
    payload["orders"].append({"lines": [{"product_id": world.product.pk, "quantity": 1}]})
    payload["orders"].append({"external_id": "A1", "lines": []})
    response = api.post("/api/channels/taobao/orders", payload)
    assert response.status_code == 422
    named = {(error["index"], error["field"]) for error in response.json()["errors"]}
    assert named == {
        (1, "lines[0].quantity"),
        (2, "lines[0].quantity"),
        (3, "lines[0].product_id"),  # another seller's product
        (4, "external_id"),
        (5, "external_id"),  # given twice
        (5, "lines"),
    }
    assert Order.objects.count() == 0


def test_stock_is_available_less_buffer_never_below_zero(world, channel, api_as):
    Stock.objects.filter(product=world.product).update(quantity=20, allocated=19)
    api = api_as(world.users["seller_staff"])
    response = api.get("/api/channels/taobao/stock")
    assert response.status_code == 200
    # The seller sees only its own product: available 1, buffer 2 -> 0.
    assert [(i["product_id"], i["sellable"]) for i in response.json()["items"]] == [
        (world.product.pk, "0")
    ]
    admin = api_as(world.users["county_admin"]).get("/api/channels/taobao/stock").json()
    assert {i["product_id"]: i["sellable"] for i in admin["items"]} == {
        world.product.pk: "0",
        world.other_product.pk: "18",
    }


def test_a_paused_listing_sells_nothing(world, channel, api_as):
    Listing.objects.filter(product=world.product).update(status=ListingStatus.PAUSED)
    items = api_as(world.users["seller_staff"]).get("/api/channels/taobao/stock").json()["items"]
    assert items[0]["sellable"] == "0"


@pytest.mark.parametrize("who", ["anonymous", "other_county_admin", "buyer"])
def test_outsiders_do_not_find_the_channel(world, channel, api_as, who):
    api = api_as(world.users[who])
    expected = 401 if who == "anonymous" else 404
    assert api.get("/api/channels/taobao/stock").status_code == expected
    assert api.post("/api/channels/taobao/orders", body(world, ("A1", "1"))).status_code == expected
    assert Order.objects.count() == 0


def test_another_countys_channel_with_the_same_code_stays_apart(world, channel, api_as):
    other = ProductFactory(stock=5)
    Channel.objects.create(
        county=other.county,
        code="taobao",
        name="x",
        kind=ChannelKind.MARKETPLACE,
        platform="taobao",
    )
    api = api_as(world.users["seller_staff"])
    response = api.post(
        "/api/channels/taobao/orders",
        {"orders": [{"external_id": "Z", "lines": [{"product_id": other.pk, "quantity": 1}]}]},
    )
    assert response.status_code == 422
    assert ChannelOrder.objects.count() == 0
