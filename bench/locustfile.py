"""The users of `bench/bench_load.py`: a buyer's mix of browsing, search, product pages,
checkout and QR scans, and the trivial view that measures the ceiling of the same stack.

Run by bench_load.py (it passes what the demo holds in LOAD_FIXTURE, a JSON file); on its own:

    LOAD_FIXTURE=fixture.json locust -f bench/locustfile.py --headless -u 32 -t 20s \
        --host http://127.0.0.1:8080 ShopperUser
"""

from __future__ import annotations

import itertools
import json
import os
import random
import uuid
from pathlib import Path

from locust import FastHttpUser, constant, task

FIXTURE = json.loads(Path(os.environ["LOAD_FIXTURE"]).read_text())
COUNTY = FIXTURE["county"]
SEARCHES = ("苹果", "蜂蜜", "茶", "米", "香菇", "apple")
# One stream of idempotency keys per process: every checkout is a new order.
KEYS = (f"load-{uuid.uuid4().hex}-{n}" for n in itertools.count())


class ShopperUser(FastHttpUser):
    """Closed loop, no think time: each user sends its next request when the last one answered,
    so users are concurrent clients (as the figures of issue 19 count them)."""

    wait_time = constant(0)

    @task(4)
    def browse(self) -> None:
        self.client.get(f"/c/{COUNTY}/", name="storefront")

    @task(2)
    def search(self) -> None:
        self.client.get(f"/c/{COUNTY}/?q={random.choice(SEARCHES)}", name="search")

    @task(4)
    def product(self) -> None:
        self.client.get(f"/c/{COUNTY}/p/{random.choice(FIXTURE['products'])}/", name="product")

    @task(1)
    def checkout(self) -> None:
        self.client.post(
            "/api/orders",
            json={"lines": [{"product_id": random.choice(FIXTURE["products"]), "quantity": "1"}]},
            headers={
                "Authorization": f"Bearer {FIXTURE['token']}",
                "Idempotency-Key": next(KEYS),
            },
            name="checkout",
        )

    @task(3)
    def scan(self) -> None:
        gtin, lot = random.choice(FIXTURE["batches"])
        self.client.get(f"/01/{gtin}/10/{lot}", name="qr scan")


class CeilingUser(FastHttpUser):
    """The trivial view through the same nginx and app servers: what the stack can do at most."""

    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="healthz")
