"""Load and soak with locust (issue 19, "Figures"): the demo county on PostgreSQL and Redis,
two app servers started by `countyhub serve` (production settings), and two nginx sites with the
deployment's own rules, one in front of the first server and one in front of both.

For one and for two servers, at each number of users (closed loop, no think time), locust runs
the buyer's mix of `bench/locustfile.py` (storefront, search, product page, checkout over the
API, QR scan of a traced batch) and then the trivial `/healthz` through the same stack (the
ceiling), side by side: requests/s, p50, p99, errors, the mix's share of the ceiling, and the
ratio of two servers to one. Targets: p99 under 200 ms at 32 users, zero errors, two servers at
least 1.6 times one.

With BENCH_SOAK_MINUTES > 0 it then starts a Celery worker and beat beside the two-server stack
and soaks it at half the smallest load for that long, sampling the app servers' memory, the
database's open connections and the job queue's depth, and draws them (BENCH_SOAK_PLOT, an SVG):
flat means the last fifth of the run is within 10 % (memory) and 2 connections of the fifth
after the warm-up.

    make bench  # or: .venv/bin/python bench/bench_load.py
    BENCH_USERS=32 BENCH_SECONDS=10 .venv/bin/python bench/bench_load.py      # quicker
    BENCH_SOAK_MINUTES=30 .venv/bin/python bench/bench_load.py                # the soak

Loopback only, bounded by BENCH_SECONDS per run; the load generator shares the machine's cores
with the servers, so the figures are a floor for what separate machines would do.
BENCH_PIN_SERVERS=1 puts each app server on a core of its own (server i on core i), as if each
ran on a one-core machine: what a second server adds is then measured instead of both servers
sharing the same cores (PostgreSQL, Redis, nginx and locust still use every core).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack import COUNTYHUB, Stack, http

HERE = Path(__file__).resolve().parent
ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
# A database number of its own: the bench empties it before and after.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
USERS = [int(u) for u in os.environ.get("BENCH_USERS", "32,128").split(",")]
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "4"))
PIN_SERVERS = os.environ.get("BENCH_PIN_SERVERS", "") == "1"
SOAK_MINUTES = float(os.environ.get("BENCH_SOAK_MINUTES", "0"))
SOAK_PLOT = Path(os.environ.get("BENCH_SOAK_PLOT", "var/bench/soak.svg"))
SOAK_SAMPLE_SECONDS = 15
BATCHES = """
import json
from countyhub.trace.models import Batch
print(json.dumps(list(Batch.objects.order_by("pk").values_list("gtin", "lot")[:50])))
"""


@dataclass
class Figures:
    label: str
    requests: int
    failures: int
    rate: float
    p50: float
    p99: float
    # Each request name's (requests, p50 ms, p99 ms): which part of the mix makes the tail.
    by_name: dict[str, tuple[int, float, float]]


def locust(
    base: str,
    users: int,
    seconds: int,
    user_class: str,
    fixture: Path,
    prefix: Path,
    *,
    history: bool = False,
) -> Figures:
    """One headless locust run; its aggregated figures from the CSV it writes."""
    args = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"]
    args += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base]
    args += ["--csv", str(prefix), "--only-summary", "--stop-timeout", "5", "--loglevel", "ERROR"]
    if history:
        args.append("--csv-full-history")
    env = os.environ | {"LOAD_FIXTURE": str(fixture)}
    done = subprocess.run([*args, user_class], env=env, capture_output=True, timeout=seconds + 120)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise SystemExit(
            f"locust wrote no figures (exit {done.returncode}; `make bench` installs it):\n"
            + done.stderr.decode(errors="replace")[-2000:]
        )
    with stats.open(newline="") as handle:
        rows = {r["Name"]: r for r in csv.DictReader(handle)}
    row = rows.pop("Aggregated")
    return Figures(
        label=f"{user_class} {users}",
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        rate=float(row["Requests/s"]),
        p50=float(row["50%"]),
        p99=float(row["99%"]),
        by_name={
            name: (int(r["Request Count"]), float(r["50%"]), float(r["99%"]))
            for name, r in sorted(rows.items())
        },
    )


def prepare(stack: Stack, base: str, folder: Path) -> Path:
    """The fixture locust reads: the buyer's token, the products (with ample stock, so that
    checkouts measure speed, not sell-outs) and the traced batches to scan."""
    tokens = {}
    for username in ("admin", "buyer"):
        body = {"username": username, "password": "countyhub-demo"}
        status, text = http(f"{base}/api/auth/token", body)
        if status != 200:
            raise SystemExit(f"cannot log in as {username}: {status} {text[:200]}")
        tokens[username] = json.loads(text)["token"]
    _status, text = http(f"{base}/api/products?county=qingshan&limit=200")
    products = [p["id"] for p in json.loads(text)["items"] if not p["decimal_quantity"]]
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    for product in products:
        request = f"{base}/api/products/{product}"
        status, text = http(request, {"stock": "1000000"}, admin, method="PATCH")
        if status != 200:
            raise SystemExit(f"cannot stock product {product}: {status} {text[:200]}")
    # The shell may print its own lines first (the models it imported): the JSON is the last.
    output = stack.run(COUNTYHUB, "manage", "shell", "-c", BATCHES)
    batches = json.loads(output.strip().splitlines()[-1])
    fixture = folder / "fixture.json"
    fixture.write_text(
        json.dumps(
            {
                "county": "qingshan",
                "token": tokens["buyer"],
                "products": products,
                "batches": batches,
            }
        )
    )
    return fixture


def load(stacks: dict[str, str], fixture: Path, folder: Path) -> bool:
    print(
        f"{'stack':12} {'users':>5} {'mix req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'ceiling req/s':>13} {'mix/ceiling':>11}",
        flush=True,
    )
    rates: dict[tuple[str, int], float] = {}
    verdicts: dict[str, bool] = {}
    for label, base in stacks.items():
        for users in USERS:
            prefix = folder / f"{label.replace(' ', '-')}-{users}"
            ceiling = locust(base, users, SECONDS, "CeilingUser", fixture, Path(f"{prefix}-ceil"))
            mix = locust(base, users, SECONDS, "ShopperUser", fixture, prefix)
            rates[label, users] = mix.rate
            print(
                f"{label:12} {users:5d} {mix.rate:9.1f} {mix.p50:7.0f} {mix.p99:7.0f} "
                f"{mix.failures + ceiling.failures:6d} {ceiling.rate:13.1f} "
                f"{mix.rate / ceiling.rate if ceiling.rate else 0:11.2f}",
                flush=True,
            )
            print(
                "    "
                + "; ".join(
                    f"{name} {count} p50 {p50:.0f} p99 {p99:.0f}"
                    for name, (count, p50, p99) in mix.by_name.items()
                ),
                flush=True,
            )
            verdicts[f"{label}, {users} users: zero errors"] = not (
                mix.failures or ceiling.failures
            )
            if users == 32:
                verdicts[f"{label}, 32 users: p99 < 200 ms"] = mix.p99 < 200
    one, two = list(stacks)
    for users in USERS:
        ratio = rates[two, users] / rates[one, users] if rates[one, users] else 0.0
        print(f"two servers / one at {users} users: {ratio:.2f}x")
        verdicts[f"{users} users: two servers >= 1.6x one"] = ratio >= 1.6
    for label, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return all(verdicts.values())


def soak(stack: Stack, base: str, fixture: Path, folder: Path) -> bool:
    """Half the smallest load for SOAK_MINUTES; memory, connections and queue depth sampled."""
    users = max(1, min(USERS) // 2)
    seconds = int(SOAK_MINUTES * 60)
    print(f"soak: {users} users for {SOAK_MINUTES:g} min on {base}", flush=True)
    args = [sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless"]
    args += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base]
    args += ["--csv", str(folder / "soak"), "--only-summary", "--loglevel", "ERROR", "ShopperUser"]
    runner = subprocess.Popen(
        args,
        env=os.environ | {"LOAD_FIXTURE": str(fixture)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    queue = redis.Redis.from_url(REDIS_URL)
    samples: list[tuple[float, float, int, int]] = []
    started = time.monotonic()
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        while runner.poll() is None:
            memory = sum(
                p.memory_info().rss
                for pid in stack.app_pids
                for p in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
            )
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [stack.name]
            ).fetchone()
            connections = int(row[0]) if row else 0
            depth = int(queue.llen(os.environ.get("COUNTYHUB_JOB_QUEUE", "countyhub")))
            samples.append((time.monotonic() - started, memory / 2**20, connections, depth))
            time.sleep(SOAK_SAMPLE_SECONDS)
    with open(folder / "soak_stats.csv", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    print(
        f"soak: {row['Request Count']} requests, {row['Failure Count']} errors, "
        f"{float(row['Requests/s']):.1f} req/s, p50 {row['50%']} ms, p99 {row['99%']} ms"
    )
    fifth = max(1, len(samples) // 5)
    early, late = samples[fifth : 2 * fifth], samples[-fifth:]

    def mean(rows: list[tuple[float, float, int, int]], column: int) -> float:
        return sum(r[column] for r in rows) / len(rows)

    verdicts = {
        "soak: zero errors": int(row["Failure Count"]) == 0,
        "soak: memory flat (within 10 %)": mean(late, 1) <= 1.10 * mean(early, 1),
        "soak: connections flat (within 2)": mean(late, 2) <= mean(early, 2) + 2,
        "soak: queue depth flat (within 2)": mean(late, 3) <= mean(early, 3) + 2,
    }
    print(
        f"memory {mean(early, 1):.0f} -> {mean(late, 1):.0f} MiB, connections "
        f"{mean(early, 2):.1f} -> {mean(late, 2):.1f}, queue {mean(early, 3):.1f} -> "
        f"{mean(late, 3):.1f}"
    )
    draw_soak(samples)
    for label, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return all(verdicts.values())


def draw_soak(samples: list[tuple[float, float, int, int]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    minutes = [s[0] / 60 for s in samples]
    figure, axes = pyplot.subplots(3, 1, sharex=True, figsize=(7, 6))
    for axis, column, title in zip(
        axes,
        (1, 2, 3),
        ("app servers' memory (MiB)", "open database connections", "job queue"),
        strict=True,
    ):
        axis.plot(minutes, [s[column] for s in samples])
        axis.set_ylabel(title, fontsize=8)
        axis.set_ylim(bottom=0)
    axes[-1].set_xlabel("minutes")
    figure.suptitle("countyhub soak: two app servers behind nginx")
    SOAK_PLOT.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(SOAK_PLOT)
    print(f"soak plot: {SOAK_PLOT}")


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="countyhub-load-"))
    redis.Redis.from_url(REDIS_URL).flushdb()
    cores = os.cpu_count() or 1
    budget = " on a core each" if PIN_SERVERS else ""
    print(
        f"{WORKERS} workers x {THREADS} threads per server{budget}, PostgreSQL, Redis, nginx; "
        f"{SECONDS} s per run; users {USERS}",
        flush=True,
    )
    try:
        with Stack(ADMIN_URL, folder, redis_url=REDIS_URL) as stack:
            stack.run(COUNTYHUB, "demo", "--no-serve")
            apps = [
                stack.serve(
                    i, workers=WORKERS, threads=THREADS, core=i % cores if PIN_SERVERS else None
                )
                for i in range(2)
            ]
            stacks = {
                "one server": stack.nginx("one", apps[:1]),
                "two servers": stack.nginx("two", apps),
            }
            fixture = prepare(stack, stacks["one server"], folder)
            ok = load(stacks, fixture, folder)
            if SOAK_MINUTES > 0:
                # As deployed: a Celery worker drains the job queue (the demo's jobs first) and
                # beat keeps time, so the queue depth sampled is the deployment's.
                stack.background("worker", "worker", "--loglevel", "warning")
                stack.background("beat", "beat")
                ok = soak(stack, stacks["two servers"], fixture, folder) and ok
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
