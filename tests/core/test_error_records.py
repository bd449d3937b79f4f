"""The administrators' page of recent errors (issue 19, "Observability"): every error the site
logs is kept with its request (id, method, path, user) and traceback, the last
ERROR_RECORDS_KEPT of them, for superusers only; recording never breaks the request."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from countyhub.core.models import ErrorRecord
from tests.factories.core import UserFactory


@pytest.fixture
def failing_site(settings, client):
    settings.ROOT_URLCONF = "tests.core.failing_urls"
    client.raise_request_exception = False
    return client


def test_an_unhandled_error_is_kept_with_its_request_and_traceback(db, failing_site):
    user = UserFactory(username="clerk")
    failing_site.force_login(user)

    response = failing_site.get("/fails/?page=2")

    assert response.status_code == 500
    record = ErrorRecord.objects.get()
    assert record.level == "ERROR" and record.logger == "django.request"
    assert (record.method, record.path, record.status_code) == ("GET", "/fails/", 500)
    assert record.request_id == response["X-Request-ID"]
    assert record.username == "clerk"
    assert record.exception == "tests.core.failing_urls.LedgerOutOfBalanceError"
    assert "debits 10.00 != credits 9.00" in record.traceback
    assert "in fails" in record.traceback


def test_only_the_last_errors_are_kept(db, settings):
    settings.ERROR_RECORDS_KEPT = 3
    for n in range(5):
        logging.getLogger("countyhub.tests").error("payout run %d failed", n)
    assert list(ErrorRecord.objects.values_list("message", flat=True)) == [
        "payout run 4 failed",
        "payout run 3 failed",
        "payout run 2 failed",
    ]


def test_an_error_inside_a_broken_transaction_is_logged_without_breaking_anything(db):
    with transaction.atomic():
        transaction.set_rollback(True)
        logging.getLogger("countyhub.tests").error("inside a doomed transaction")
    assert not ErrorRecord.objects.exists()


def test_the_superuser_reads_recent_errors_and_county_staff_do_not(db, client, world):
    ErrorRecord.objects.create(
        level="ERROR",
        logger="django.request",
        message="Internal Server Error: /x/",
        exception="builtins.ZeroDivisionError",
        path="/x/",
        request_id="abc123def456",
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(
        "/admin/core/errorrecord/?q=abc123def456", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "builtins.ZeroDivisionError" in page and "1 error" in page

    client.force_login(world.users["county_admin"])
    assert client.get("/admin/core/errorrecord/").status_code == 403
    assert "/admin/core/errorrecord/" not in client.get("/admin/").content.decode()
