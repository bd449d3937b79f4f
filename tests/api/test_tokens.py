"""API tokens: they expire, their owner and the admin revoke them, log-out and a new password
stop them, only their hash is stored, and their owner can list them."""

import datetime

import time_machine
from django.test import Client

from countyhub.core.models import ApiToken
from countyhub.core.services import hash_token, issue_api_token


def _me(client: Client, key: str) -> int:
    return client.get("/api/auth/tokens", headers={"Authorization": f"Bearer {key}"}).status_code


def test_a_token_expires_after_the_configured_days(world, client, settings):
    settings.COUNTYHUB_API_TOKEN_DAYS = 7
    with time_machine.travel(
        datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC), tick=False
    ) as clock:
        key = issue_api_token(user=world.users["buyer"])
        assert _me(client, key) == 200
        clock.shift(datetime.timedelta(days=6, hours=23))
        assert _me(client, key) == 200
        clock.shift(datetime.timedelta(hours=2))
        assert _me(client, key) == 401


def test_only_the_hash_is_stored_and_the_owner_lists_prefixes(world, client):
    key = issue_api_token(user=world.users["buyer"])
    issue_api_token(user=world.users["seller_staff"])
    stored = ApiToken.objects.get(user=world.users["buyer"])
    assert stored.key_hash == hash_token(key) and key not in stored.key_hash
    listed = client.get("/api/auth/tokens", headers={"Authorization": f"Bearer {key}"}).json()
    assert [token["prefix"] for token in listed] == [key[:8]]
    assert key not in str(listed)


def test_delete_revokes_the_token_it_carries(world, client):
    key = issue_api_token(user=world.users["buyer"])
    other = issue_api_token(user=world.users["buyer"])
    response = client.delete("/api/auth/token", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 204
    assert _me(client, key) == 401
    assert _me(client, other) == 200
    revoked = ApiToken.objects.get(key_hash=hash_token(key))
    assert revoked.revoked_because == "revoked_by_owner"


def test_logging_out_of_the_site_revokes_the_users_tokens(world, client):
    key = issue_api_token(user=world.users["buyer"])
    client.post("/accounts/login/", {"username": "buyer-user", "password": "pass-word-123"})
    client.post("/accounts/logout/")
    assert _me(Client(), key) == 401


def test_a_new_password_revokes_the_users_tokens(world, client):
    buyer = world.users["buyer"]
    key = issue_api_token(user=buyer)
    kept = issue_api_token(user=world.users["seller_staff"])
    buyer.set_password("another-long-pass-77")
    buyer.save()
    assert _me(client, key) == 401
    assert _me(client, kept) == 200
    # Saving the account for another reason stops nothing.
    fresh = issue_api_token(user=buyer)
    buyer.first_name = "芳"
    buyer.save()
    assert _me(client, fresh) == 200


def test_the_admin_revokes_all_of_a_users_tokens(world, client):
    from tests.factories.core import UserFactory

    keys = [issue_api_token(user=world.users["buyer"]) for _ in range(2)]
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    response = client.post(
        "/admin/auth/user/",
        {
            "action": "revoke_api_tokens",
            "_selected_action": [world.users["buyer"].pk],
        },
    )
    assert response.status_code == 302
    assert [_me(Client(), key) for key in keys] == [401, 401]
    assert client.get("/admin/core/apitoken/").status_code == 200


def test_a_county_admin_does_not_see_tokens(world, client):
    client.force_login(world.users["county_admin"])
    assert client.get("/admin/core/apitoken/").status_code == 403
