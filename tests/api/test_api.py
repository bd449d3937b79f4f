import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from countyhub.catalog.models import Certification, CertificationKind, Stock
from countyhub.core import throttle
from countyhub.shop.models import BuyerKind, BuyerProfile, DeliveryMethod, Order, OrderStatus
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.core import CountyFactory


def order_body(world, quantity="2", product=None):
    return {
        "lines": [{"product_id": (product or world.product).pk, "quantity": quantity}],
        "delivery": {"method": "station", "station_id": world.station.pk, "phone": "138"},
    }


def test_token_then_bearer_calls(world, client, api_as):
    response = client.post(
        "/api/auth/token",
        {"username": "buyer-user", "password": "pass-word-123"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    created = client.post(
        "/api/orders",
        order_body(world),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.json()


def test_wrong_password_is_401_and_repeated_failures_are_throttled(world, client):
    body = {"username": "buyer-user", "password": "nope"}
    statuses = [
        client.post("/api/auth/token", body, content_type="application/json").status_code
        for _ in range(throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS + 1)
    ]
    assert statuses == [401] * throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS + [429]
    good = {"username": "buyer-user", "password": "pass-word-123"}
    blocked = client.post("/api/auth/token", good, content_type="application/json")
    assert blocked.status_code == 429
    assert "message" in blocked.json()


def test_a_bad_token_is_401_even_on_public_reads(world, client):
    response = client.get("/api/products", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["field"] == "Authorization"


def test_products_filter_by_county_category_brand_and_q(
    world, api_as, django_assert_max_num_queries
):
    fruit = CategoryFactory(county=world.county, slug="fruit")
    kiwi = ProductFactory(county=world.county, category=fruit, name="猕猴桃", name_en="Kiwi")
    ProductFactory(name="Other county kiwi")  # another county
    api = api_as()
    by_county = api.get(f"/api/products?county={world.county.slug}").json()
    assert by_county["count"] == 3
    assert [p["id"] for p in api.get("/api/products?category=fruit").json()["items"]] == [kiwi.pk]
    assert api.get(f"/api/products?county={world.county.slug}&q=kiwi").json()["count"] == 1
    brand_slug = world.product.brand.slug
    assert (
        api.get(f"/api/products?county={world.county.slug}&brand={brand_slug}").json()["count"] == 3
    )
    with django_assert_max_num_queries(4):
        page = api.get("/api/products?limit=2").json()
    assert len(page["items"]) == 2
    assert page["count"] == 4


def test_product_detail_shows_price_and_only_valid_certifications(world, api_as):
    today = timezone.localdate()
    for kind, until in [
        (CertificationKind.ORGANIC, today - datetime.timedelta(days=1)),
        (CertificationKind.GEOGRAPHICAL_INDICATION, today + datetime.timedelta(days=30)),
    ]:
        Certification.objects.create(
            county=world.county,
            product=world.product,
            kind=kind,
            number="X1",
            issuer="农业农村部",
            valid_from=today - datetime.timedelta(days=400),
            valid_until=until,
        )
    body = api_as().get(f"/api/products/{world.product.pk}").json()
    assert body["price"] == "25.00"
    assert body["stock_available"] == "20"
    assert [c["kind"] for c in body["certifications"]] == ["geographical_indication"]


def test_create_order_returns_201_with_the_order(world, api_as):
    response = api_as(world.users["buyer"]).post(
        "/api/orders",
        order_body(world, "3"),
        headers={"Idempotency-Key": "abc", "Accept-Language": "en"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "placed"
    assert body["total"] == "75.00"
    assert body["delivery"]["method"] == DeliveryMethod.STATION
    assert body["lines"] == [
        {
            "product_id": world.product.pk,
            "product_name": world.product.name,
            "unit": "box",
            "quantity": "3",
            "quantity_text": "3 boxes",
            "unit_price": "25.00",
            "line_total": "75.00",
        }
    ]


def test_idempotency_key_replays_the_first_order(world, api_as):
    api = api_as(world.users["buyer"])
    first = api.post("/api/orders", order_body(world), headers={"Idempotency-Key": "k-1"})
    again = api.post("/api/orders", order_body(world), headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    changed = api.post("/api/orders", order_body(world, "5"), headers={"Idempotency-Key": "k-1"})
    assert changed.status_code == 422
    assert changed.json()["field"] == "Idempotency-Key"


def test_shortage_is_409_naming_the_products(world, api_as):
    response = api_as(world.users["buyer"]).post("/api/orders", order_body(world, "50"))
    assert response.status_code == 409
    body = response.json()
    assert body["field"] == "lines"
    assert body["shortages"] == [
        {
            "product_id": world.product.pk,
            "product_name": world.product.name,
            "requested": "50",
            "available": "20",
        }
    ]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"lines": [{"product_id": 1}]}, 422, "lines[0].quantity"),
        ({"lines": []}, 400, "lines"),
        ("bad-quantity", 400, "lines[0].quantity"),
        ("no-delivery", 400, "delivery"),
        ("mixed-sellers", 400, "lines"),
    ],
)
def test_bad_orders_name_the_field(world, api_as, body, status, field):
    if body == "bad-quantity":
        body = order_body(world, "1.5")
    elif body == "no-delivery":
        body = {"lines": [{"product_id": world.product.pk, "quantity": "1"}]}
    elif body == "mixed-sellers":
        body = order_body(world)
        body["lines"].append({"product_id": world.other_product.pk, "quantity": "1"})
    response = api_as(world.users["buyer"]).post("/api/orders", body)
    assert response.status_code == status, response.json()
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_seller_ships_and_buyer_sees_it(world, api_as):
    order_id = api_as(world.users["buyer"]).post("/api/orders", order_body(world)).json()["id"]
    shipped = api_as(world.users["seller_staff"]).post(
        f"/api/orders/{order_id}/ship", {"carrier": "中国邮政", "tracking_number": "YZ001"}
    )
    assert shipped.status_code == 200, shipped.json()
    seen = api_as(world.users["buyer"]).get(f"/api/orders/{order_id}").json()
    assert seen["status"] == OrderStatus.SHIPPED
    assert seen["shipment"]["tracking_number"] == "YZ001"
    stock = Stock.objects.get(product=world.product)
    assert (stock.quantity, stock.allocated) == (18, 0)
    again = api_as(world.users["seller_staff"]).post(
        f"/api/orders/{order_id}/ship", {"carrier": "x", "tracking_number": "y"}
    )
    assert again.status_code == 409


def test_cancel_releases_stock(world, api_as):
    order_id = api_as(world.users["buyer"]).post("/api/orders", order_body(world)).json()["id"]
    response = api_as(world.users["buyer"]).post(f"/api/orders/{order_id}/cancel")
    assert response.json()["status"] == OrderStatus.CANCELLED
    assert Stock.objects.get(product=world.product).allocated == 0


def test_patch_product_price_stock_active(world, api_as):
    api = api_as(world.users["seller_staff"])
    response = api.patch(
        f"/api/products/{world.product.pk}", {"price": "19.9", "stock": "30", "active": False}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["price"], body["stock_available"], body["active"]) == ("19.90", "30", False)
    negative = api.patch(f"/api/products/{world.product.pk}", {"stock": "-1"})
    assert negative.status_code == 422
    assert negative.json()["field"] == "stock"


def test_stock_below_allocation_is_refused(world, api_as):
    api_as(world.users["buyer"]).post("/api/orders", order_body(world, "5"))
    response = api_as(world.users["seller_staff"]).patch(
        f"/api/products/{world.product.pk}", {"stock": "4"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "stock"
    assert Stock.objects.get(product=world.product).quantity == Decimal(20)


def test_other_county_products_filter_out(world, api_as):
    other = CountyFactory()
    ProductFactory(county=other)
    slugs = {
        p["county"] for p in api_as().get(f"/api/products?county={other.slug}").json()["items"]
    }
    assert slugs == {other.slug}


def test_openapi_docs_are_served(client):
    assert client.get("/api/docs").status_code == 200
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"/api/auth/token", "/api/products", "/api/orders/{order_id}/ship"} <= set(paths)


def test_households_count_the_registered_poor_reached(world, api_as):
    from countyhub.catalog.models import SellerHousehold
    from tests.factories.catalog import HouseholdFactory

    poor = HouseholdFactory(county=world.county, registered_poor=True, poverty_exit_year=2019)
    HouseholdFactory(county=world.county, registered_poor=True)
    HouseholdFactory(county=world.county)
    SellerHousehold.objects.create(seller=world.seller, household=poor, link="buys_from")
    body = (
        api_as(world.users["analyst"])
        .get(f"/api/counties/{world.county.slug}/households?registered_poor=true")
        .json()
    )
    assert (body["count"], body["registered_poor"]) == (2, 2)
    assert body["registered_poor_reached_by_sellers"] == 1
    assert {h["poverty_exit_year"] for h in body["items"]} == {2019, None}


def test_placing_an_order_costs_a_bounded_number_of_queries(
    world, api_as, django_assert_max_num_queries
):
    from countyhub.shop.models import BuyerProfile

    BuyerProfile.objects.create(user=world.users["buyer"], station=world.station)
    api = api_as(world.users["buyer"])
    body = {"lines": [{"product_id": world.product.pk, "quantity": "1"}]}
    # token, idempotency check, products, profile, checkout, lock, update, the station's pickup
    # codes in use, the sellers' shipping rates, the county time zone (cached after the first
    # request), order, lines, payment, event, audit, and the savepoint/transaction statements;
    # the notifications (a savepoint around: lines, seller staff, thresholds, contacts, choices,
    # insert, read back)
    with django_assert_max_num_queries(27):
        response = api.post("/api/orders", body, headers={"Idempotency-Key": "q"})
    assert response.status_code == 201
    assert response.json()["delivery"]["station"] == world.station.name


def test_product_carries_its_gs1_company_prefix_length(world, api_as):
    from countyhub.catalog.models import Product

    assert (
        api_as().get(f"/api/products/{world.product.pk}").json()["gs1_company_prefix_length"]
        is None
    )
    Product.objects.filter(pk=world.product.pk).update(
        gtin="06901234567892", gs1_company_prefix_length=9
    )
    body = api_as().get(f"/api/products/{world.product.pk}").json()
    assert (body["gtin"], body["gs1_company_prefix_length"]) == ("06901234567892", 9)


def test_an_order_with_the_default_delivery_reads_the_buyers_profile_once(world, api_as):
    """The profile gives both the delivery and the buyer's kind kept on the order; the load
    bench's checkout is this request, so each extra round trip shows in its figures."""
    buyer = world.users["buyer"]
    BuyerProfile.objects.create(
        user=buyer, station=world.station, phone="138", buyer_kind=BuyerKind.ENTERPRISE
    )
    body = {"lines": [{"product_id": world.product.pk, "quantity": "1"}]}
    with CaptureQueriesContext(connection) as queries:
        response = api_as(buyer).post("/api/orders", body, headers={"Idempotency-Key": "one"})
    assert response.status_code == 201, response.json()
    assert Order.objects.get().buyer_kind == BuyerKind.ENTERPRISE
    reads = [q["sql"] for q in queries if 'FROM "shop_buyerprofile"' in q["sql"]]
    assert len(reads) == 1, reads
