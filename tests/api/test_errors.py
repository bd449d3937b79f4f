"""One error model in the API: a code, a message and the field in every error answer, the HTTP
status from the code's kind, and the OpenAPI schema saying so. Quantities as JSON numbers."""

import pytest

from countyhub.catalog.models import Stock, Unit
from countyhub.shop.models import Order
from tests.api.test_api import order_body
from tests.factories.catalog import ProductFactory


def test_a_shortage_is_409_with_its_code_and_the_shortages(world, api_as):
    response = api_as(world.users["buyer"]).post("/api/orders", order_body(world, "50"))
    body = response.json()
    assert (response.status_code, body["code"], body["field"]) == (
        409,
        "insufficient_stock",
        "lines",
    )
    assert [s["available"] for s in body["shortages"]] == ["20"]
    assert body["message"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"lines": []}, 400, "empty_order"),
        ({"lines": [{"product_id": 1}]}, 422, "invalid_input"),
        ("whole-units", 400, "invalid_quantity"),
        ("no-delivery", 400, "delivery_required"),
    ],
)
def test_refusals_carry_a_code(world, api_as, body, status, code):
    if body == "whole-units":
        body = order_body(world, "1.5")
    elif body == "no-delivery":
        body = {"lines": [{"product_id": world.product.pk, "quantity": "1"}]}
    response = api_as(world.users["buyer"]).post("/api/orders", body)
    assert (response.status_code, response.json()["code"]) == (status, code)


def test_a_stale_transition_is_409_and_a_reused_key_422(world, api_as):
    api = api_as(world.users["buyer"])
    order_id = api.post("/api/orders", order_body(world)).json()["id"]
    seller = api_as(world.users["seller_staff"])
    seller.post(f"/api/orders/{order_id}/ship", {"carrier": "邮政", "tracking_number": "1"})
    again = seller.post(f"/api/orders/{order_id}/ship", {"carrier": "邮政", "tracking_number": "1"})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
    api.post("/api/orders", order_body(world), headers={"Idempotency-Key": "k"})
    reused = api.post("/api/orders", order_body(world, "3"), headers={"Idempotency-Key": "k"})
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_conflict")


def test_a_catalog_refusal_is_a_coded_error(world, api_as):
    api_as(world.users["buyer"]).post("/api/orders", order_body(world, "5"))
    response = api_as(world.users["seller_staff"]).patch(
        f"/api/products/{world.product.pk}", {"stock": "4"}
    )
    body = response.json()
    assert (response.status_code, body["code"], body["field"]) == (
        400,
        "stock_below_allocated",
        "stock",
    )


def test_unauthenticated_and_throttled_answers_have_codes(world, client, api_as):
    assert api_as().get("/api/orders/1").json()["code"] == "unauthenticated"
    wrong = {"username": "buyer-user", "password": "nope"}
    response = client.post("/api/auth/token", wrong, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")


def test_the_openapi_schema_documents_the_error_answers(client):
    schema = client.get("/api/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert {"code", "message", "field"} <= set(error["properties"])
    assert set(error["required"]) == {"code", "message"}
    responses = schema["paths"]["/api/orders"]["post"]["responses"]
    assert {"201", "400", "401", "409", "422"} <= set(responses)
    ref = responses["409"]["content"]["application/json"]["schema"]["$ref"]
    shortage = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"code", "message", "field", "shortages"} <= set(shortage["properties"])
    patch = schema["paths"]["/api/products/{product_id}"]["patch"]["responses"]
    assert patch["404"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def test_a_quantity_may_be_a_json_number(world, api_as):
    by_weight = ProductFactory(
        county=world.county, seller=world.seller, unit=Unit.KILOGRAM, stock=5
    )
    api = api_as(world.users["buyer"])
    whole = api.post("/api/orders", order_body(world, 2))
    assert whole.status_code == 201, whole.json()
    assert whole.json()["lines"][0]["quantity"] == "2"
    weighed = api.post("/api/orders", order_body(world, 1.25, product=by_weight))
    assert weighed.status_code == 201, weighed.json()
    assert weighed.json()["lines"][0]["quantity"] == "1.25"
    assert Stock.objects.get(product=by_weight).allocated == 1.25


@pytest.mark.parametrize("quantity", [float("inf"), float("-inf"), float("nan"), 1e308, 10**30])
def test_non_finite_or_absurd_numbers_are_refused_naming_the_line(world, api_as, quantity):
    body = order_body(world)
    body["lines"].insert(0, {"product_id": world.product.pk, "quantity": 1})
    body["lines"][1]["quantity"] = quantity
    response = api_as(world.users["buyer"]).post("/api/orders", body)
    assert response.status_code == 422, response.json()
    assert (response.json()["code"], response.json()["field"]) == (
        "invalid_input",
        "lines[1].quantity",
    )
    assert response.json()["message"].startswith("lines[1].quantity: ")
    assert not Order.objects.exists()


@pytest.mark.parametrize("quantity", ["abc", "1e30", "9" * 30, "Infinity", "NaN", "2.5"])
def test_bad_quantity_strings_are_refused_naming_the_line(world, api_as, quantity):
    body = order_body(world)
    body["lines"][0]["quantity"] = quantity
    response = api_as(world.users["buyer"]).post("/api/orders", body)
    assert response.status_code == 400, response.json()
    assert response.json()["field"] == "lines[0].quantity"
    assert not Order.objects.exists()
