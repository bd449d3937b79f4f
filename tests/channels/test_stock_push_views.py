"""The stock push page: only the channel's county administrators see and set the URL and the
secret (shown once); sellers are refused, other counties find nothing; the URL is checked at
the form with a message saying what to change; "push now" runs the push as a background job."""

from __future__ import annotations

import pytest

from countyhub.channels.models import Channel
from countyhub.core.models import Job, JobStatus
from tests.analyses.support import wait_for
from tests.channels.test_stock_push import endpoint  # noqa: F401  (the receiving endpoint)


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def page(world) -> str:
    return f"/c/{world.county.slug}/channels/taobao/stock-push/"


def test_the_county_admin_sets_the_url_and_sees_the_secret_once(world, channel, client):
    client.force_login(world.users["county_admin"])
    response = client.post(page(world), {"action": "save", "url": "http://127.0.0.1:9/stock"})
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    channel.refresh_from_db()
    assert channel.stock_push_url == "http://127.0.0.1:9/stock"
    assert channel.stock_push_secret in response.content.decode()
    shown = client.get(page(world)).content.decode()
    assert channel.stock_push_secret not in shown and "No stock pushed yet." in shown
    renewed = client.post(page(world), {"action": "secret"})
    old = channel.stock_push_secret
    channel.refresh_from_db()
    assert channel.stock_push_secret != old
    assert channel.stock_push_secret in renewed.content.decode()
    saved = client.post(page(world), {"action": "save", "url": "https://erp.example.cn/push"})
    assert saved.status_code == 302
    assert (
        "Set the stock push"
        in client.get(f"/c/{world.county.slug}/channels/taobao/").content.decode()
    )


def test_a_seller_can_neither_see_nor_change_the_push(world, channel, client):
    Channel.objects.filter(pk=channel.pk).update(
        stock_push_url="https://erp.example.cn/push", stock_push_secret="s" * 64
    )
    client.force_login(world.users["seller_staff"])
    assert client.get(page(world)).status_code == 403
    for action in ("save", "secret", "push"):
        response = client.post(page(world), {"action": action, "url": "https://evil.example/"})
        assert response.status_code == 403
    channel.refresh_from_db()
    assert channel.stock_push_url == "https://erp.example.cn/push"
    assert channel.stock_push_secret == "s" * 64
    html = client.get(f"/c/{world.county.slug}/channels/taobao/").content.decode()
    assert "erp.example.cn" not in html and "s" * 64 not in html and "stock-push" not in html


@pytest.mark.parametrize("who", ["other_county_admin", "buyer", "anonymous"])
def test_other_counties_and_outsiders_find_no_push_page(world, channel, client, who):
    if who != "anonymous":
        client.force_login(world.users[who])
    response = client.post(page(world), {"action": "save", "url": "https://evil.example/"})
    # The anonymous are sent to log in; anyone else finds no such channel.
    assert response.status_code == (302 if who == "anonymous" else 404)
    channel.refresh_from_db()
    assert channel.stock_push_url == ""


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://erp.example.cn/push", "Use https: this server sends plain http only to the hosts"),
        ("https://user:pw@erp.example.cn/push", "Put no user name or password in the URL"),
        ("ftp://erp.example.cn/push", "Use an https:// URL."),
        ("not a url", "Enter a valid URL."),
    ],
)
def test_a_bad_url_is_refused_with_what_to_change(world, channel, client, url, message):
    client.force_login(world.users["county_admin"])
    response = client.post(page(world), {"action": "save", "url": url})
    assert response.status_code == 400
    assert message in response.content.decode()
    channel.refresh_from_db()
    assert channel.stock_push_url == "" and channel.stock_push_secret == ""


def test_http_goes_to_the_hosts_the_server_allows(world, channel, client, settings):
    settings.COUNTYHUB_STOCK_PUSH_HTTP_HOSTS = ["erp.lan"]
    client.force_login(world.users["county_admin"])
    refused = client.post(page(world), {"action": "save", "url": "http://127.0.0.1/stock"})
    assert refused.status_code == 400 and "erp.lan" in refused.content.decode()
    taken = client.post(page(world), {"action": "save", "url": "http://ERP.lan:8080/stock"})
    assert taken.status_code == 200


def test_push_now_without_a_url_asks_for_one(world, channel, client):
    client.force_login(world.users["county_admin"])
    response = client.post(page(world), {"action": "push"})
    assert response.status_code == 400
    assert "Set the stock push URL first." in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_push_now_runs_the_push_as_a_job(world, channel, client, endpoint):  # noqa: F811
    client.force_login(world.users["county_admin"])
    client.post(page(world), {"action": "save", "url": endpoint.url})
    response = client.post(page(world), {"action": "push"})
    assert response.status_code == 302
    job = wait_for(Job.objects.get())
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["sent"], job.result["sellers"]) == (2, 2)
    assert len(endpoint.received) == 2
    html = client.get(page(world)).content.decode()
    assert "OK (HTTP 204), 2 quantities changed" in html
