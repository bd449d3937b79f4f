"""Signing up, logging in and resetting passwords, as honest users and as attackers would."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.test import Client

from countyhub.core import throttle
from countyhub.core.models import EmailAddress
from countyhub.core.services import issue_api_token, sign_up

SIGN_UP = {
    "username": "newbuyer",
    "email": "n@example.invalid",
    "password1": "a-long-pass-phrase-9",
    "password2": "a-long-pass-phrase-9",
}
FREE = throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _link(message) -> str:
    return re.search(r"http://testserver(/accounts/verify/\S+/)", message.body).group(1)


def _log_in(client, username, password, address="10.0.0.1", **extra):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_sign_up_mails_a_link_that_verifies_and_logs_in(
    db, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", SIGN_UP)
    assert response.status_code == 200
    assert "n@example.invalid" in response.content.decode()
    assert not _logged_in(client)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["n@example.invalid"]
    user = get_user_model().objects.get(username="newbuyer")
    assert user.email_address.verified_at is None

    assert client.get(_link(mail.outbox[0])).status_code == 302
    user.email_address.refresh_from_db()
    assert user.email_address.verified_at is not None
    assert _logged_in(client)
    # Spent: the same link does not work twice.
    assert Client().get(_link(mail.outbox[0])).status_code == 400


def test_a_tampered_or_foreign_link_verifies_nothing(
    db, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", SIGN_UP)
    link = _link(mail.outbox[0])
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert client.get("/accounts/verify/Zm9v/abc-def/").status_code == 400
    assert EmailAddress.objects.get().verified_at is None


def test_sign_up_with_a_taken_address_reveals_nothing_and_tells_its_owner(
    world, client, django_capture_on_commit_callbacks
):
    owner = world.users["buyer"]
    owner.email = "Owner@Example.invalid"
    owner.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", {**SIGN_UP, "email": "owner@example.INVALID"})
    fresh = Client()
    with django_capture_on_commit_callbacks(execute=True):
        other = fresh.post("/accounts/signup/", {**SIGN_UP, "username": "someone-else"})
    # Both visitors see the same page; no account was made for the taken address.
    assert response.status_code == other.status_code == 200
    assert response.content.decode().replace(
        "owner@example.INVALID", "X"
    ) == other.content.decode().replace("n@example.invalid", "X")
    assert not get_user_model().objects.filter(username="newbuyer").exists()
    assert [m.to for m in mail.outbox] == [["owner@example.INVALID"], ["n@example.invalid"]]
    assert "/accounts/login/" in mail.outbox[0].body
    assert "/accounts/verify/" not in mail.outbox[0].body


def test_a_taken_username_is_all_the_form_says(world, client):
    response = client.post("/accounts/signup/", {**SIGN_UP, "username": "buyer-user"})
    assert response.status_code == 200
    assert response.context["form"].errors["username"]
    assert "email" not in response.context["form"].errors


def test_an_unverified_buyer_cannot_check_out_until_verified(world, client):
    buyer = sign_up(username="fresh", email="fresh@example.invalid", password="x-long-pw-99")
    body = {
        "lines": [{"product_id": world.product.pk, "quantity": "1"}],
        "delivery": {"method": "station", "station_id": world.station.pk, "phone": "138"},
    }
    headers = {"Authorization": f"Bearer {issue_api_token(user=buyer)}"}
    refused = client.post("/api/orders", body, content_type="application/json", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "email_unverified"
    EmailAddress.objects.filter(user=buyer).update(verified_at=datetime.datetime.now(datetime.UTC))
    placed = client.post("/api/orders", body, content_type="application/json", headers=headers)
    assert placed.status_code == 201


def test_the_checkout_page_offers_the_link_again(world, client, django_capture_on_commit_callbacks):
    buyer = sign_up(username="fresh", email="fresh@example.invalid", password="x-long-pw-99")
    client.force_login(buyer)
    client.post(f"/c/{world.county.slug}/cart/add/{world.product.pk}/", {"quantity": "1"})
    page = client.get(f"/c/{world.county.slug}/checkout/")
    assert page.status_code == 200
    assert 'id="verify-email"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        resent = client.post("/accounts/verify/resend/", {"next": "https://evil.example/steal"})
    # Never off-site, whatever `next` says.
    assert resent.status_code == 302 and resent.url == "/"
    assert len(mail.outbox) == 1 and "/accounts/verify/" in mail.outbox[0].body


def test_log_in_waits_grow_after_the_free_failures(world, client):
    with time_machine.travel(
        datetime.datetime(2026, 5, 1, 8, 0, tzinfo=datetime.UTC), tick=False
    ) as clock:
        for _ in range(FREE):
            _log_in(client, "buyer-user", "wrong")
        blocked = _log_in(client, "buyer-user", "pass-word-123")
        assert not _logged_in(client)
        assert "1 second" in blocked.content.decode() or "1 秒" in blocked.content.decode()
        clock.shift(2)
        _log_in(client, "buyer-user", "wrong")  # the sixth failure: now two seconds
        clock.shift(1)
        _log_in(client, "buyer-user", "pass-word-123")
        assert not _logged_in(client)
        clock.shift(2)
        _log_in(client, "buyer-user", "pass-word-123")
        assert _logged_in(client)


def test_the_admin_log_in_is_throttled_too(world, client):
    admin = world.users["county_admin"]
    for _ in range(30):
        client.post("/admin/login/", {"username": admin.username, "password": "wrong"})
    client.post("/admin/login/", {"username": admin.username, "password": "pass-word-123"})
    assert not _logged_in(client)


def test_others_failures_do_not_keep_the_owner_out_of_their_own_browser(world):
    owner = Client()
    _log_in(owner, "buyer-user", "pass-word-123", address="10.0.0.1")
    assert _logged_in(owner) and throttle.DEVICE_COOKIE in owner.cookies
    owner.post("/accounts/logout/")  # the site's log-out keeps the device cookie
    attacker = Client()
    for number in range(throttle.FREE_FAILURES_PER_ACCOUNT + 5):
        _log_in(attacker, "buyer-user", "wrong", address=f"203.0.113.{number}")
    # The owner's browser knows the account; a new browser elsewhere waits like the attacker.
    _log_in(owner, "buyer-user", "pass-word-123", address="10.0.0.2")
    assert _logged_in(owner)
    stranger = Client()
    _log_in(stranger, "buyer-user", "pass-word-123", address="10.0.0.3")
    assert not _logged_in(stranger)


def test_spraying_one_password_across_accounts_is_slowed(world):
    sprayer = Client()
    for number in range(throttle.FREE_USERNAMES_PER_ADDRESS):
        _log_in(sprayer, f"user-{number}", "Password1", address="198.51.100.7")
    _log_in(sprayer, "buyer-user", "pass-word-123", address="198.51.100.7")
    assert not _logged_in(sprayer)
    # From another address the same account logs in at once.
    other = Client()
    _log_in(other, "buyer-user", "pass-word-123", address="10.0.0.9")
    assert _logged_in(other)


def test_a_forwarded_for_header_is_believed_only_from_a_configured_proxy(world, settings):
    spoofer = Client()
    for number in range(FREE):
        _log_in(spoofer, "buyer-user", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    _log_in(spoofer, "buyer-user", "pass-word-123", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert not _logged_in(spoofer), "a header the client writes must not reset the count"

    settings.COUNTYHUB_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    behind_proxy = Client()
    for _ in range(FREE):
        # The client wrote the first entry; our proxy appended the address it saw.
        _log_in(
            behind_proxy,
            "buyer-user",
            "wrong",
            address="127.0.0.1",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50",
        )
    neighbour = Client()
    _log_in(
        neighbour,
        "buyer-user",
        "pass-word-123",
        address="127.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.51",
    )
    assert _logged_in(neighbour), "another client behind the same proxy is not slowed"


def test_counts_are_kept_in_the_shared_database_cache(world, client, settings):
    assert settings.CACHES["throttle"]["BACKEND"].endswith("DatabaseCache")
    _log_in(client, "buyer-user", "wrong")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM countyhub_throttle_cache")
        assert cursor.fetchone()[0] >= 3
    caches["throttle"].clear()


def test_log_in_and_out(world, client):
    ok = client.post("/accounts/login/", {"username": "buyer-user", "password": "pass-word-123"})
    assert ok.status_code == 302
    assert _logged_in(client)
    client.post("/accounts/logout/")
    assert not _logged_in(client)


def test_password_reset_sends_an_email_and_is_rate_limited(world, client):
    world.users["buyer"].email = "buyer@example.invalid"
    world.users["buyer"].save()
    for _ in range(5):
        client.post("/accounts/password_reset/", {"email": "buyer@example.invalid"})
    assert len(mail.outbox) == 3
    assert "/accounts/reset/" in mail.outbox[0].body
    refused = client.post("/accounts/password_reset/", {"email": "buyer@example.invalid"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["email"]


def test_sign_up_is_rate_limited_per_address(db, client):
    from countyhub.core.views import SIGNUPS_PER_ADDRESS_AN_HOUR

    for number in range(SIGNUPS_PER_ADDRESS_AN_HOUR):
        client.post(
            "/accounts/signup/",
            {**SIGN_UP, "username": f"bot-{number}", "email": f"bot{number}@example.invalid"},
        )
    refused = client.post("/accounts/signup/", {**SIGN_UP, "username": "one-more"})
    assert refused.context["form"].non_field_errors()
    assert not get_user_model().objects.filter(username="one-more").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/password_change/",
        "/accounts/password_change/done/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
    ],
)
def test_account_pages_use_the_sites_templates_not_the_admins(world, client, url):
    client.force_login(world.users["buyer"])
    response = client.get(url)
    assert response.status_code == 200
    names = [t.origin.name for t in response.templates if t.origin and t.origin.name]
    assert names and all("/contrib/admin/" not in name for name in names), names
    assert any("/core/templates/base.html" in name for name in names)
