import json

import pytest

from countyhub.core.services import issue_api_token


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, client, user=None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {issue_api_token(user=user)}"} if user else {}

    def _send(self, method, url, body=None, headers=None):
        kwargs = {"headers": {**self.headers, **(headers or {})}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method)(url, **kwargs)

    def get(self, url, **kwargs):
        return self._send("get", url, **kwargs)

    def post(self, url, body=None, **kwargs):
        return self._send("post", url, body if body is not None else {}, **kwargs)

    def patch(self, url, body, **kwargs):
        return self._send("patch", url, body, **kwargs)


@pytest.fixture
def api_as(client):
    def make(user=None):
        return ApiClient(client, user)

    return make
