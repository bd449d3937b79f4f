from decimal import Decimal

from countyhub.aftersales.models import AfterSaleRequest
from tests.aftersales.conftest import line_of, place_paid
from tests.api.conftest import ApiClient


def test_the_whole_return_through_the_api(world, pears, client):
    order = place_paid(world, pears)
    buyer, seller, staff = (
        ApiClient(client, world.users[role]) for role in ("buyer", "seller_staff", "county_admin")
    )
    body = {
        "order_id": order.pk,
        "kind": "return_and_refund",
        "goods_received": True,
        "reason": "damaged",
        "lines": [{"order_line_id": line_of(order, pears).pk, "quantity": "2"}],
    }
    created = buyer.post("/api/aftersales", body)
    assert created.status_code == 201, created.content
    item = created.json()
    assert (item["amount"], item["status"]) == ("25.00", "requested")
    url = f"/api/aftersales/{item['id']}"
    other = ApiClient(client, world.users["other_seller_staff"])
    assert other.get(url).status_code == 404
    assert buyer.post(f"{url}/agree").status_code == 403
    assert seller.post(f"{url}/receive-return").status_code == 409  # nothing sent back yet
    assert seller.post(f"{url}/ask-return", {"address": "仓库"}).json()["status"] == (
        "return_requested"
    )
    shipped = buyer.post(f"{url}/ship-return", {"carrier": "中通", "tracking_number": "ZT1"})
    assert shipped.json()["return_tracking"] == "ZT1"
    seller.post(f"{url}/receive-return")
    refused = staff.post(f"{url}/pay-refund", {"reference": ""})
    assert (refused.status_code, refused.json()["field"]) == (400, "reference")
    paid = staff.post(f"{url}/pay-refund", {"reference": "BK-3"})
    assert (paid.json()["status"], paid.json()["refund_reference"]) == ("refunded", "BK-3")
    order.refresh_from_db()
    assert order.refunded_total == Decimal("25.00")
    assert [r["id"] for r in buyer.get("/api/aftersales").json()] == [item["id"]]


def test_a_buyer_cannot_ask_on_another_buyers_order(world, pears, client):
    order = place_paid(world, pears)
    other = ApiClient(client, world.users["analyst"])
    body = {
        "order_id": order.pk,
        "kind": "refund_only",
        "goods_received": True,
        "reason": "damaged",
        "lines": [{"order_line_id": line_of(order, pears).pk, "quantity": "1"}],
    }
    assert other.post("/api/aftersales", body).status_code == 404
    seller = ApiClient(client, world.users["seller_staff"])
    assert seller.post("/api/aftersales", body).status_code == 403
    assert not AfterSaleRequest.objects.exists()


def test_the_order_api_shows_what_was_refunded(world, pears, client):
    from countyhub.aftersales import services

    order = place_paid(world, pears)
    request = services.request_aftersale(
        order=order,
        actor=world.users["buyer"],
        kind="refund_only",
        goods_received=True,
        reason="damaged",
        quantities={line_of(order, pears).pk: Decimal(1)},
    )
    services.agree(request=request, actor=world.users["seller_staff"])
    services.pay_refund(request=request, actor=world.users["county_admin"], reference="BK")
    body = ApiClient(client, world.users["buyer"]).get(f"/api/orders/{order.pk}").json()
    assert (body["total"], body["refunded_total"]) == ("137.50", "12.50")
