"""Storefront under load: home, a product page and checkout against `countyhub serve` on PostgreSQL.

Each scenario runs CLIENTS concurrent keep-alive clients over loopback for SECONDS and prints
requests/s, p50/p99 latency and errors, next to the trivial `healthz` view served the same way (the
ceiling). Targets (issue 2): product page >= half the ceiling's requests/s; checkout p99 < 200 ms
at 16 clients; zero errors.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
        .venv/bin/python bench/bench_storefront.py
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNTYHUB = str(Path(sys.executable).with_name("countyhub"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "16"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 60,
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP over loopback
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "COUNTYHUB_VAR_DIR": tempfile.mkdtemp(prefix="countyhub-bench-"),
    }


def request(
    connection: http.client.HTTPConnection, method: str, path: str, body=None, headers=None
) -> tuple[int, bytes]:
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    return response.status, response.read()


def run(name: str, make_request, expected: int) -> Result:
    result = Result(name)
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        latencies, errors = [], 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status, _body = make_request(connection)
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
                errors += 1
                continue
            if status == expected:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
        with lock:
            result.latencies.extend(latencies)
            result.errors += errors

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.perf_counter() - started
    return result


def wait_until_up(process: subprocess.Popen) -> None:
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit("countyhub serve exited early")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            if request(connection, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("countyhub serve did not come up")


def api_token(username: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", PORT)
    body = json.dumps({"username": username, "password": "countyhub-demo"})
    status, payload = request(
        connection, "POST", "/api/auth/token", body, {"Content-Type": "application/json"}
    )
    if status != 200:
        raise SystemExit(f"cannot log in as {username}: {status} {payload[:200]!r}")
    return json.loads(payload)["token"]


def prepare_catalog(admin_token: str) -> list[int]:
    """Give every demo product ample stock so checkouts measure speed, not sell-outs."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT)
    _status, payload = request(connection, "GET", "/api/products?county=qingshan&limit=200")
    products = [p for p in json.loads(payload)["items"] if not p["decimal_quantity"]]
    headers = {"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"}
    for product in products:
        request(
            connection,
            "PATCH",
            f"/api/products/{product['id']}",
            json.dumps({"stock": "1000000"}),
            headers,
        )
    return [p["id"] for p in products]


def main() -> int:
    env = environment()
    print(f"database {DATABASE_URL.rsplit('@', 1)[-1]}, {CLIENTS} clients, {SECONDS:.0f} s each")
    subprocess.run([COUNTYHUB, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [
            COUNTYHUB,
            "serve",
            "--port",
            str(PORT),
            "--workers",
            str(WORKERS),
            "--threads",
            str(THREADS),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_up(server)
        product_ids = prepare_catalog(api_token("admin"))
        buyer_headers = {
            "Authorization": f"Bearer {api_token('buyer')}",
            "Content-Type": "application/json",
        }
        counter = iter(range(10**9))
        scenarios = [
            ("ceiling: healthz", lambda c: request(c, "GET", "/healthz"), 200),
            ("storefront home", lambda c: request(c, "GET", "/c/qingshan/"), 200),
            (
                "product page",
                lambda c: request(c, "GET", f"/c/qingshan/p/{product_ids[0]}/"),
                200,
            ),
            (
                "checkout (POST /api/orders)",
                lambda c: request(
                    c,
                    "POST",
                    "/api/orders",
                    json.dumps(
                        {
                            "lines": [
                                {
                                    "product_id": product_ids[next(counter) % len(product_ids)],
                                    "quantity": "1",
                                }
                            ]
                        }
                    ),
                    {**buyer_headers, "Idempotency-Key": str(uuid.uuid4())},
                ),
                201,
            ),
        ]
        results = [run(*scenario) for scenario in scenarios]
    finally:
        server.terminate()
        server.wait(timeout=20)
    ceiling = results[0].rate
    print(
        f"{'scenario':30} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'vs ceiling':>10}"
    )
    for result in results:
        print(
            f"{result.name:30} {len(result.latencies):9d} {result.errors:7d} {result.rate:8.0f} "
            f"{result.percentile(0.50):8.1f} {result.percentile(0.99):8.1f} "
            f"{result.rate / ceiling:10.2f}"
        )
    product, checkout = results[2], results[3]
    verdicts = {
        "product page >= 0.5 x ceiling": product.rate >= 0.5 * ceiling,
        "checkout p99 < 200 ms": checkout.percentile(0.99) < 200,
        "zero errors": all(r.errors == 0 for r in results),
    }
    for label, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    print(f"median of medians: {statistics.median(r.percentile(0.5) for r in results):.1f} ms")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
