"""Stock push (issue 19) against a real HTTP endpoint on 127.0.0.1: the first push sends every
sellable quantity, signed with the channel's secret; then only what changed, as absolute
quantities; a refusal, a timeout or a refused connection leaves the changes pending for the
next push; one channel's failure does not stop another's; a channel without URL is skipped;
beat runs it once per period; a new URL gets everything again."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from countyhub.channels import services, stock_push
from countyhub.channels.models import Channel, ChannelKind, Listing, StockSync
from countyhub.core import periodic
from countyhub.core.models import AuditEntry


@dataclass
class Endpoint:
    """What the receiving system got (headers and body per POST), and how it answers next:
    "ok" (204), "fail" (500) or "hang" (answers after the pusher's timeout)."""

    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    mode: str = "ok"

    def items(self, index: int = -1) -> list[dict[str, str]]:
        return json.loads(self.received[index][1])["items"]


@pytest.fixture
def endpoint(settings) -> Iterator[Endpoint]:
    settings.COUNTYHUB_STOCK_PUSH_TIMEOUT = 0.5
    state = Endpoint(url="")

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.received.append((dict(self.headers), body))
            if state.mode == "hang":
                time.sleep(1.5)
            self.send_response(500 if state.mode == "fail" else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/stock"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def dead_url() -> str:
    """A loopback port nothing listens on: the connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/stock"


def configured(channel: Channel, url: str, actor) -> tuple[Channel, str]:
    secret = stock_push.set_push_url(actor=actor, channel=channel, url=url)
    channel.refresh_from_db()
    return channel, secret


def sell(world, channel, number: str, quantity: str) -> None:
    """An order imported from the channel: the world's product's stock goes down."""
    services.import_order_json(
        channel=channel,
        actor=None,
        orders=[
            {
                "external_id": number,
                "lines": [{"product_id": world.product.pk, "quantity": quantity}],
            }
        ],
    )


def test_the_first_push_sends_everything_signed_then_only_what_changed(world, channel, endpoint):
    admin = world.users["county_admin"]
    channel, secret = configured(channel, endpoint.url, admin)
    assert secret and channel.stock_push_secret == secret and len(secret) == 64

    first = stock_push.push_stock(channel=channel)

    assert (first.sellers, first.sent, first.failures) == (2, 2, [])
    assert len(endpoint.received) == 2  # one POST per seller
    for headers, body in endpoint.received:
        expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Countyhub-Signature"], expected)
        assert headers["Content-Type"] == "application/json"
        uuid.UUID(headers["Idempotency-Key"])
        payload = json.loads(body)
        sent_at = datetime.datetime.fromisoformat(payload["synced_at"])
        assert int(headers["X-Countyhub-Timestamp"]) == int(sent_at.timestamp())
        assert (payload["channel"], payload["county"]) == ("taobao", world.county.slug)
    bodies = {json.loads(body)["seller"]: json.loads(body) for _h, body in endpoint.received}
    assert bodies[world.seller.pk]["items"] == [
        {"product_id": world.product.pk, "seller_sku": "A-1", "external_id": "", "quantity": "18"}
    ]
    assert bodies[world.other_seller.pk]["items"][0]["seller_sku"] == "B-1"
    channel.refresh_from_db()
    assert (channel.stock_push_status, channel.stock_push_error, channel.stock_push_sent) == (
        204,
        "",
        2,
    )
    assert channel.stock_push_claimed_until is None
    assert AuditEntry.objects.filter(action="channel.stock_pushed").count() == 2

    sell(world, channel, "T-1", "3")
    second = stock_push.push_stock(channel=channel)

    assert (second.sellers, second.sent) == (1, 1)
    assert len(endpoint.received) == 3
    assert endpoint.items() == [
        {"product_id": world.product.pk, "seller_sku": "A-1", "external_id": "", "quantity": "15"}
    ]
    assert stock_push.push_stock(channel=channel).sent == 0
    assert len(endpoint.received) == 3  # nothing changed: nothing sent


def test_the_stock_file_and_the_push_keep_their_own_snapshots(world, channel, endpoint):
    channel, _secret = configured(channel, endpoint.url, world.users["county_admin"])
    services.sync_stock(channel=channel, seller=world.seller, actor=None)
    stock_push.push_stock(channel=channel)
    # The file handed out first does not keep its quantities from the push's receiver.
    assert {json.loads(body)["seller"] for _h, body in endpoint.received} == {
        world.seller.pk,
        world.other_seller.pk,
    }
    sell(world, channel, "T-1", "1")
    assert [
        (c.before, c.now)
        for c in services.sync_stock(channel=channel, seller=world.seller, actor=None).changes
    ] == [("18", "17")]
    assert stock_push.push_stock(channel=channel).sent == 1


@pytest.mark.parametrize(("mode", "error"), [("fail", "HTTP 500"), ("hang", "timed out")])
def test_a_refused_or_unanswered_push_leaves_the_changes_pending(
    world, channel, endpoint, mode, error
):
    channel, _secret = configured(channel, endpoint.url, world.users["county_admin"])
    stock_push.push_stock(channel=channel)
    sell(world, channel, "T-1", "3")
    endpoint.mode = mode

    failed = stock_push.push_stock(channel=channel)

    assert failed.sent == 0 and len(failed.failures) == 1 and error in failed.failures[0]
    channel.refresh_from_db()
    assert error in channel.stock_push_error
    assert channel.stock_push_status == (500 if mode == "fail" else None)
    assert StockSync.objects.filter(via="push", seller=world.seller).count() == 1
    endpoint.mode = "ok"

    again = stock_push.push_stock(channel=channel)

    assert again.sent == 1 and endpoint.items()[0]["quantity"] == "15"
    channel.refresh_from_db()
    assert (channel.stock_push_status, channel.stock_push_error) == (204, "")


def test_a_refused_connection_is_noted_and_the_next_push_sends_everything(
    world, channel, endpoint, dead_url
):
    channel, _secret = configured(channel, dead_url, world.users["county_admin"])
    result = stock_push.push_stock(channel=channel)
    assert result.sent == 0 and len(result.failures) == 2
    channel.refresh_from_db()
    assert "refused" in channel.stock_push_error.lower() and channel.stock_push_status is None
    assert not StockSync.objects.filter(via="push").exists()
    # The same channel's endpoint back (the URL unchanged: nothing was reset).
    Channel.objects.filter(pk=channel.pk).update(stock_push_url=endpoint.url)
    channel.refresh_from_db()
    assert stock_push.push_stock(channel=channel).sent == 2


def test_one_channel_failing_does_not_stop_another(world, channel, endpoint, dead_url):
    admin = world.users["county_admin"]
    jd = Channel.objects.create(
        county=world.county, code="jd", name="京东店", kind=ChannelKind.MARKETPLACE, platform="jd"
    )
    Listing.objects.create(product=world.product, channel=jd, price=10, status="listed")
    configured(channel, dead_url, admin)
    configured(jd, endpoint.url, admin)

    summary = stock_push.push_all_stock()

    assert summary == "2 channels pushed, 1 quantities taken, 1 channels failed"
    assert len(endpoint.received) == 1
    assert json.loads(endpoint.received[0][1])["channel"] == "jd"
    assert endpoint.items()[0]["quantity"] == "20"  # no buffer on this listing


def test_a_channel_without_url_or_inactive_is_skipped(world, channel, endpoint):
    assert stock_push.push_all_stock() == "0 channels pushed, 0 quantities taken, 0 channels failed"
    assert stock_push.push_stock(channel=channel).skipped
    channel, _secret = configured(channel, endpoint.url, world.users["county_admin"])
    Channel.objects.filter(pk=channel.pk).update(active=False)
    assert stock_push.push_all_stock().startswith("0 channels pushed")
    assert endpoint.received == [] and not StockSync.objects.exists()


def test_a_channel_being_pushed_is_not_pushed_twice_at_once(world, channel, endpoint):
    channel, _secret = configured(channel, endpoint.url, world.users["county_admin"])
    assert stock_push._claim(channel, 60)
    assert stock_push.push_stock(channel=channel).skipped == (
        "Another push of this channel is under way."
    )
    assert endpoint.received == []


def test_a_new_url_is_a_new_receiver_that_gets_everything(world, channel, endpoint):
    admin = world.users["county_admin"]
    channel, secret = configured(channel, endpoint.url, admin)
    stock_push.push_stock(channel=channel)
    channel, again = configured(channel, endpoint.url.replace("/stock", "/other"), admin)
    assert again is None and channel.stock_push_secret == secret  # the secret stays
    assert stock_push.push_stock(channel=channel).sent == 2
    entry = AuditEntry.objects.filter(action="channel.stock_push_set").last()
    assert secret not in json.dumps(entry.changes)


def test_a_url_no_longer_allowed_is_not_pushed_to(world, channel, endpoint, settings):
    channel, _secret = configured(channel, endpoint.url, world.users["county_admin"])
    settings.COUNTYHUB_STOCK_PUSH_HTTP_HOSTS = []
    result = stock_push.push_stock(channel=channel)
    assert result.sent == 0 and result.failures[0].startswith("Use https")
    assert endpoint.received == []
    channel.refresh_from_db()
    assert channel.stock_push_error.startswith("Use https")


def test_beat_pushes_once_per_period_however_often_it_is_called(world, channel, endpoint):
    configured(channel, endpoint.url, world.users["county_admin"])
    assert "channels.push_stock" in periodic.TASKS
    now = datetime.datetime(2026, 3, 2, 10, 7, tzinfo=datetime.UTC)

    first = [row for row in periodic.run_due(now) if row[0] == "channels.push_stock"]
    sell(world, channel, "T-1", "3")
    second = [row for row in periodic.run_due(now) if row[0] == "channels.push_stock"]

    assert first == [
        (
            "channels.push_stock",
            "2026-03-02T10:05",
            "1 channels pushed, 2 quantities taken, 0 channels failed",
        )
    ]
    assert second == []  # the period is taken: the sale waits for the next one
    assert len(endpoint.received) == 2
    later = now + datetime.timedelta(minutes=5)
    third = [row for row in periodic.run_due(later) if row[0] == "channels.push_stock"]
    assert third[0][2] == "1 channels pushed, 1 quantities taken, 0 channels failed"
    assert len(endpoint.received) == 3


PERIOD_OF_10_07 = (
    "import datetime, django; django.setup();"
    "from countyhub.core.periodic import TASKS;"
    "print(TASKS['channels.push_stock'].period("
    "datetime.datetime(2026, 3, 2, 10, 7, tzinfo=datetime.UTC)))"
)


@pytest.mark.parametrize(
    ("minutes", "period"), [("15", "2026-03-02T10:00"), (None, "2026-03-02T10:05")]
)
def test_the_push_period_is_a_setting(minutes, period, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "COUNTYHUB_STOCK_PUSH_MINUTES"}
    env |= {"DJANGO_DEBUG": "1", "COUNTYHUB_VAR_DIR": str(tmp_path)}
    if minutes:
        env["COUNTYHUB_STOCK_PUSH_MINUTES"] = minutes
    done = subprocess.run(
        [sys.executable, "-c", PERIOD_OF_10_07], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == period


@pytest.mark.parametrize("minutes", ["7", "0", "five", "-5"])
def test_a_push_period_that_does_not_divide_an_hour_is_refused_by_name(minutes, tmp_path):
    env = os.environ | {
        "DJANGO_DEBUG": "1",
        "COUNTYHUB_VAR_DIR": str(tmp_path),
        "COUNTYHUB_STOCK_PUSH_MINUTES": minutes,
    }
    done = subprocess.run(
        [sys.executable, "-c", PERIOD_OF_10_07], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert f"COUNTYHUB_STOCK_PUSH_MINUTES={minutes!r}: use minutes that divide an hour" in (
        done.stderr
    )
