"""No input gives a server error: each reproduction from issue 13 answers 4xx with a message."""

import pytest

from countyhub.shop.models import Order
from tests.api.test_api import order_body

DEEP = "[" * 100_000 + "]" * 100_000


def _json_error(response, status, code):
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), body
    assert body["message"]
    return body


@pytest.mark.parametrize("quantity", ["abc", "1e30", "-1", "NaN", "Infinity", 1e30])
def test_an_unusable_quantity_is_refused_with_a_message(world, api_as, quantity):
    response = api_as(world.users["buyer"]).post("/api/orders", order_body(world, quantity))
    assert response.status_code in (400, 422) and response.json()["message"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("field", "length"),
    [("phone", 31), ("recipient_name", 101), ("address", 301), ("region_code", 7)],
)
def test_delivery_text_longer_than_its_column_is_refused(world, api_as, field, length):
    body = order_body(world)
    body["delivery"][field] = "1" * length
    response = api_as(world.users["buyer"]).post("/api/orders", body)
    assert _json_error(response, 422, "invalid_input")["field"] == f"delivery.{field}"
    assert not Order.objects.exists()


def test_a_carrier_longer_than_its_column_is_refused(world, api_as):
    order_id = api_as(world.users["buyer"]).post("/api/orders", order_body(world)).json()["id"]
    response = api_as(world.users["seller_staff"]).post(
        f"/api/orders/{order_id}/ship", {"carrier": "x" * 61, "tracking_number": "1"}
    )
    assert _json_error(response, 422, "invalid_input")["field"] == "carrier"


@pytest.mark.parametrize("offset", ["9223372036854775808", "1000000001", "-1"])
def test_a_product_offset_out_of_range_is_refused(world, api_as, offset):
    response = api_as().get(f"/api/products?offset={offset}")
    assert _json_error(response, 422, "invalid_input")["field"] == "offset"


def test_the_last_allowed_offset_is_an_empty_page(world, api_as):
    response = api_as().get("/api/products?offset=1000000000")
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize("raw", [DEEP, "{not json", b"\xff\xfe"])
def test_a_broken_or_deep_json_body_is_400_with_a_message(world, client, raw):
    from countyhub.core.services import issue_api_token

    token = issue_api_token(user=world.users["buyer"])
    response = client.post(
        "/api/orders",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert _json_error(response, 400, "invalid_json")["field"] == "body"


def test_json_nested_past_the_limit_is_refused_even_if_it_parses():
    from countyhub.core.json_input import MAX_DEPTH, JSONInputError, parse_json

    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    with pytest.raises(JSONInputError):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


def test_a_body_over_the_limit_is_413_as_json_under_the_api(world, client, settings):
    settings.COUNTYHUB_MAX_REQUEST_BYTES = 1000
    response = client.post("/api/orders", data="x" * 1001, content_type="application/json")
    _json_error(response, 413, "request_too_large")


def test_a_body_over_the_limit_is_413_as_a_page_on_the_site(world, client, settings):
    settings.COUNTYHUB_MAX_REQUEST_BYTES = 1000
    client.force_login(world.users["buyer"])
    response = client.post("/cart/", data={"x": "y" * 1001})
    assert response.status_code == 413
    assert "request_too_large.html" in [t.name for t in response.templates]
    assert "MB" in response.content.decode()


def test_a_body_django_will_not_hold_is_413_not_400(world, client, settings):
    """Under the request limit but over DATA_UPLOAD_MAX_MEMORY_SIZE: Django's RequestDataTooBig."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    token = __import__("countyhub.core.services", fromlist=["x"]).issue_api_token(
        user=world.users["buyer"]
    )
    response = client.post(
        "/api/orders",
        data='{"lines": [], "pad": "' + "x" * 2000 + '"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    _json_error(response, 413, "request_too_large")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/orders/9223372036854775808"),
        ("get", "/api/products/9223372036854775808"),
        ("post", "/api/trace/epcis?county_id=9223372036854775808"),
        ("get", "/api/orders/0"),
    ],
)
def test_an_id_past_what_its_column_holds_is_422(world, api_as, method, url):
    response = getattr(api_as(world.users["buyer"]), method)(url)
    _json_error(response, 422, "invalid_input")


def test_a_line_product_id_past_the_column_is_422(world, api_as):
    body = {"lines": [{"product_id": 2**63, "quantity": "1"}]}
    response = api_as(world.users["buyer"]).post("/api/orders", body)
    assert _json_error(response, 422, "invalid_input")["field"] == "lines[0].product_id"


@pytest.mark.parametrize(
    "url",
    ["/api/products?q=a%00b", "/api/products?county=%00", "/api/products?category=x%00"],
)
def test_a_nul_character_in_a_query_is_refused(world, api_as, url):
    """PostgreSQL cannot hold NUL in text: psycopg refuses the query, a server error."""
    response = api_as().get(url)
    _json_error(response, 422, "invalid_input")


def test_a_nul_character_in_a_body_is_refused(world, api_as):
    body = order_body(world)
    body["delivery"]["address"] = "a\x00b"
    response = api_as(world.users["buyer"]).post("/api/orders", body)
    assert response.status_code in (400, 422) and response.json()["message"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    "url", ["/api/counties/a%00b/households", "/api/programs/counties/a%00b/kpis"]
)
def test_a_nul_character_in_a_path_is_refused(world, api_as, url):
    response = api_as(world.users["county_admin"]).get(url)
    assert response.status_code in (404, 422) and response.json()["message"]


def test_a_nul_character_in_a_page_path_is_404(world, client):
    assert client.get(f"/c/{world.county.slug}%00/").status_code == 404
