"""Faults under load (issue 19, "Figures"): each with the outcome a county can rely on, on a real
stack (PostgreSQL, `countyhub serve` with production settings, loopback).

- A web worker killed in the middle of checkouts: no half order, the stock promised exactly, and
  a client that retries with its idempotency key gets one order per key.
- The database's connections cut during load: the requests in flight fail cleanly (an error
  status, no hang), the servers recover by themselves, and nothing is lost or doubled.

A full disk on upload is tests/core/test_disk_full.py; the job worker killed mid-import is the
jobs' retry tests."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from decimal import Decimal

import psutil
import psycopg
import pytest
from bench.stack import Stack, http

from tests.conftest import requires_postgres
from tests.redis_server import own_redis

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.slow]

CHECKOUTS = 30
CLIENTS = 6


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with Stack(os.environ["DATABASE_URL"], tmp_path_factory.mktemp("faults")) as running:
        running.run(
            sys.executable,
            "-m",
            "countyhub.cli",
            "manage",
            "migrate",
            "-v",
            "0",
        )
        running.seed = json.loads(
            running.run(sys.executable, "-m", "tests.deploy.seed", "make", str(3 * CHECKOUTS))
        )
        running.base = running.serve(0, workers=2, threads=4)
        yield running


def _counts(stack: Stack) -> dict:
    seed = stack.seed
    return json.loads(
        stack.run(
            sys.executable,
            "-m",
            "tests.deploy.seed",
            "check",
            str(seed["product_id"]),
            str(seed["batch_id"]),
        )
    )


def _checkout(stack: Stack, key: str, deadline: float) -> int:
    """One order, retried with the same idempotency key until it is answered (as a phone on a
    bad line does); the number of attempts it took."""
    seed = stack.seed
    order = {
        "lines": [{"product_id": seed["product_id"], "quantity": "1"}],
        "delivery": {"method": "station", "station_id": seed["station_id"], "phone": "138"},
    }
    headers = {"Authorization": f"Bearer {seed['token']}", "Idempotency-Key": key}
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        try:
            status, body = http(f"{stack.base}/api/orders", order, headers)
        except OSError:  # the worker died with the connection open
            continue
        if status == 201:
            return attempts
        assert status in (500, 502, 503), (status, body[:300])
        time.sleep(0.2)
    raise AssertionError(f"checkout {key} was never answered")


def _run_checkouts(stack: Stack, prefix: str, during) -> list[int]:
    keys = [f"{prefix}-{n}" for n in range(CHECKOUTS)]
    attempts: list[int] = []
    deadline = time.monotonic() + 120
    lock = threading.Lock()

    def client(share: list[str]) -> None:
        for key in share:
            taken = _checkout(stack, key, deadline)
            with lock:
                attempts.append(taken)

    threads = [threading.Thread(target=client, args=(keys[i::CLIENTS],)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    during()
    for thread in threads:
        thread.join(timeout=150)
    assert len(attempts) == CHECKOUTS
    return attempts


def _assert_exact(stack: Stack, before: dict) -> None:
    after = _counts(stack)
    assert after["orders"] - before["orders"] == CHECKOUTS
    ordered = Decimal(after["ordered"]) - Decimal(before["ordered"])
    assert ordered == CHECKOUTS
    assert Decimal(after["allocated"]) == Decimal(after["ordered"])


def test_a_worker_killed_mid_checkout_leaves_no_half_order(stack):
    before = _counts(stack)
    master = psutil.Process(stack.app_pids[0])
    killed: list[int] = []

    def kill_a_worker() -> None:
        time.sleep(0.5)
        workers = [
            p for p in master.children(recursive=True) if "gunicorn" in " ".join(p.cmdline())
        ]
        victim = workers[0] if workers else master.children()[0]
        victim.send_signal(signal.SIGKILL)
        killed.append(victim.pid)

    _run_checkouts(stack, "killed", kill_a_worker)

    assert killed
    _assert_exact(stack, before)
    # gunicorn started a new worker in its place, and it serves.
    assert http(f"{stack.base}/healthz")[0] == 200


def test_cut_database_connections_fail_cleanly_and_recover(stack):
    before = _counts(stack)
    cuts: list[int] = []

    def cut_connections() -> None:
        with psycopg.connect(stack.database_url, autocommit=True) as admin:
            for _ in range(3):
                time.sleep(0.4)
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                cuts.append(len(rows))

    _run_checkouts(stack, "cut", cut_connections)

    assert sum(cuts) > 0
    _assert_exact(stack, before)
    # Recovered by themselves: pages answer at once, every time.
    county = stack.seed["county"]
    for _ in range(10):
        assert http(f"{stack.base}/c/{county}/")[0] == 200


def test_the_site_sells_with_redis_stopped_and_uses_it_again_when_back(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redis-fault")
    with (
        own_redis(folder) as redis_server,
        Stack(os.environ["DATABASE_URL"], folder, redis_url=redis_server.url) as stack,
    ):
        stack.run(sys.executable, "-m", "countyhub.cli", "manage", "migrate", "-v", "0")
        stack.seed = json.loads(
            stack.run(sys.executable, "-m", "tests.deploy.seed", "make", str(CHECKOUTS))
        )
        stack.base = stack.serve(0, workers=2, threads=2)
        county = stack.seed["county"]
        assert http(f"{stack.base}/c/{county}/")[0] == 200
        assert redis_server.client.keys("countyhub:*")  # the page cache is in Redis

        redis_server.stop()
        before = _counts(stack)
        attempts = [_checkout(stack, f"no-redis-{n}", time.monotonic() + 60) for n in range(5)]
        assert attempts == [1] * 5  # every checkout went through at the first try
        assert http(f"{stack.base}/c/{county}/")[0] == 200
        after = _counts(stack)
        assert after["orders"] - before["orders"] == 5

        redis_server.start()  # empty, as a restarted Redis without persistence is
        time.sleep(6)  # past the cache's retry pause
        assert http(f"{stack.base}/c/{county}/")[0] == 200
        assert http(f"{stack.base}/c/{county}/")[0] == 200
        assert redis_server.client.keys("countyhub:*")  # back in use
