"""The OpenAPI schema documents what the API really answers (issue 13): one name per schema,
every error status an operation can give, JSON even for a method a path does not take."""

import pytest
from ninja import Schema

from countyhub.api.router import api


@pytest.fixture(scope="module")
def schema():
    return api.get_openapi_schema()


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_no_two_api_schemas_share_a_name():
    """ninja names a component after its class: two `LineOut`s made order lines show payouts."""
    names = {}
    for cls in _all_subclasses(Schema):
        if cls.__module__.startswith("countyhub.") and cls.__module__.endswith("api"):
            names.setdefault(cls.__name__, set()).add(cls.__module__)
    assert {name: mods for name, mods in names.items() if len(mods) > 1} == {}


def test_order_lines_are_documented_as_order_lines(schema):
    lines = schema["components"]["schemas"]["OrderOut"]["properties"]["lines"]["items"]
    line = schema["components"]["schemas"][lines["$ref"].rsplit("/", 1)[1]]
    assert {"product_id", "quantity", "unit_price"} <= line["properties"].keys()


def test_every_operation_documents_its_generic_errors(schema):
    missing = []
    for path, method, operation in _operations(schema):
        documented = {str(status) for status in operation["responses"]}
        expected = {"413"}
        if operation.get("security"):
            expected.add("401")
        if operation.get("parameters") or operation.get("requestBody"):
            expected.add("422")
        if operation.get("requestBody"):
            expected.add("400")
        missing += [f"{method.upper()} {path}: {status}" for status in expected - documented]
    assert missing == []


def test_every_documented_error_has_a_code_and_a_message(schema):
    components = schema["components"]["schemas"]
    for path, method, operation in _operations(schema):
        for status, answer in operation["responses"].items():
            if int(status) < 400:
                continue
            ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert {"code", "message"} <= set(components[ref]["required"]), (path, method, status)


def test_a_method_a_path_does_not_take_is_json_405(client):
    response = client.put("/api/products")
    body = response.json()
    assert (response.status_code, body["code"]) == (405, "method_not_allowed")
    assert body["message"] and "GET" in response["Allow"]
