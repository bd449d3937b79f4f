from django.core import mail

from countyhub.core import throttle


def test_sign_up_logs_the_new_buyer_in(db, client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbuyer",
            "email": "n@example.invalid",
            "password1": "a-long-pass-phrase-9",
            "password2": "a-long-pass-phrase-9",
        },
    )
    assert response.status_code == 302
    assert client.get("/orders/").status_code == 200


def test_log_in_is_throttled_after_repeated_failures(world, client):
    for _ in range(throttle.MAX_FAILURES):
        client.post("/accounts/login/", {"username": "buyer-user", "password": "wrong"})
    blocked = client.post(
        "/accounts/login/", {"username": "buyer-user", "password": "pass-word-123"}
    )
    assert blocked.status_code == 200
    assert "_auth_user_id" not in client.session


def test_log_in_and_out(world, client):
    ok = client.post("/accounts/login/", {"username": "buyer-user", "password": "pass-word-123"})
    assert ok.status_code == 302
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_an_email(world, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.users["buyer"].email = "buyer@example.invalid"
    world.users["buyer"].save()
    client.post("/accounts/password_reset/", {"email": "buyer@example.invalid"})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
