"""Property-based tests of every API operation from its OpenAPI schema (issue 13): schemathesis
generates requests (valid and invalid ones), in process through the WSGI app, as an anonymous
caller and with the token of a buyer, a seller's staff and a county administrator. A fixed seed
(derandomized) and bounded examples keep the run short and repeatable.

Every answer must be below 500, documented for its operation with a body of the documented
schema, and every error JSON has a code and a message."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from countyhub.api.router import api
from countyhub.core.services import issue_api_token
from countyhub.wsgi import application

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = application

# 4 callers x 23 operations x 5 examples: about a minute on two cores.
MAX_EXAMPLES = 5
CALLERS = ["anonymous", "buyer", "seller_staff", "county_admin"]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI app ends each request by closing old database connections, which would close
    the test's own (on PostgreSQL); Django's test client disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _check(case, headers):
    response = case.call(headers=headers)
    assert response.status_code < 500, (case.method, case.formatted_path, response.text[:500])
    if response.status_code >= 400:
        body = response.json()
        assert body["code"] and body["message"], (case.method, case.formatted_path, body)
    case.validate_response(
        response,
        checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
    )


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation(case, world, caller):
    user = world.users[caller]
    _check(case, {"Authorization": f"Bearer {issue_api_token(user=user)}"} if user else {})
