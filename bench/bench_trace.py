"""The public trace page under a scan burst, next to the trivial /healthz view.

Serves countyhub with `countyhub serve` (gunicorn) on PostgreSQL over loopback, drives it with
concurrent keep-alive clients (asyncio, one process), and prints requests/s, p50/p99 and errors
per endpoint, the ratio to the /healthz ceiling, and whether scan counting lost any scan
(rows counted in the database == trace pages served). Each endpoint gets `--seconds` in all, in
`--rounds` alternating slices (healthz, trace page, healthz, ...), so that load from other jobs on
a shared machine falls on both sides of the ratio alike.

    python bench/bench_trace.py [--clients 32] [--seconds 15] [--rounds 3] [--workers 2]
                                [--threads 8]

BENCH_DATABASE_URL (as for bench_storefront) defaults to postgres://postgres@127.0.0.1:5432/test;
the demo county is built there once (migrate + build_demo) if missing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str]) -> str:
    """Migrate, build the demo county if needed, and return one traced batch's URL path."""
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','countyhub.settings');"
        "django.setup();"
        "from django.core.management import call_command;"
        "call_command('migrate', interactive=False, verbosity=0);"
        "from countyhub.demo import build_demo; build_demo();"
        "from countyhub.trace.models import Batch;"
        "from countyhub.trace.identifiers import lot_uri;"
        "b = Batch.objects.order_by('pk').first();"
        "print(lot_uri(b).split('/', 3)[3])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return "/" + result.stdout.strip().splitlines()[-1]


def scan_count(env: dict[str, str], path: str) -> int:
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','countyhub.settings');"
        "django.setup();"
        "from countyhub.trace.models import Scan, Batch;"
        f"lot = {path.rsplit('/10/', 1)[1]!r};"
        "print(Scan.objects.filter(batch__lot=lot).count())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return int(result.stdout.strip().splitlines()[-1])


async def client(host: str, port: int, path: str, stop_at: float, latencies: list[float],
                 errors: list[str]) -> None:  # fmt: skip
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept-Language: zh-hans\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    reader = writer = None
    while time.perf_counter() < stop_at:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            start = time.perf_counter()
            writer.write(request)
            # A stalled server counts as an error instead of hanging the benchmark.
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            status = int(head.split(b" ", 2)[1])
            length, close = 0, False
            for line in head.split(b"\r\n")[1:]:
                name, _sep, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection" and value.strip().lower() == b"close":
                    close = True
            await asyncio.wait_for(reader.readexactly(length), timeout=10)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(str(status))
            if close:
                writer.close()
                writer = None
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            errors.append(type(error).__name__)
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def burst(
    port: int, path: str, clients: int, seconds: float
) -> tuple[list[float], list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = time.perf_counter() + seconds
    await asyncio.gather(
        *(client("127.0.0.1", port, path, stop_at, latencies, errors) for _ in range(clients))
    )
    return latencies, errors


def summarise(latencies: list[float], errors: list[str], seconds: float) -> dict[str, Any]:
    latencies = sorted(latencies)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan"),
        "errors": len(errors),
        "kinds": dict(Counter(errors).most_common(3)),
        "ok": len(latencies) - sum(1 for e in errors if e.isdigit()),
    }


def measure(port: int, path: str, clients: int, seconds: float) -> dict[str, Any]:
    return summarise(*asyncio.run(burst(port, path, clients, seconds)), seconds)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time these processes have used so far (Linux /proc; a process that is
    gone or unreadable counts nothing)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def serving_pids(server_pid: int, database_url: str) -> list[int]:
    """The gunicorn workers and their PostgreSQL backends (the server runs on this machine)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children")
    workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    with psycopg.connect(database_url) as connection:
        backends = connection.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return workers + [pid for (pid,) in backends]


def alternate(
    port: int,
    paths: list[str],
    clients: int,
    seconds: float,
    rounds: int,
    pids: Callable[[], list[int]],
) -> list[dict[str, Any]]:
    """Each path for `seconds` in all, in `rounds` alternating slices: other jobs on the machine
    come and go, and alternating spreads their load evenly over the endpoints compared. Also
    the CPU time the server and its database spent per request, which such load hardly moves."""
    runs: list[tuple[list[float], list[str]]] = [([], []) for _ in paths]
    cpu = [0.0 for _ in paths]
    for _round in range(rounds):
        for index, (path, (latencies, errors)) in enumerate(zip(paths, runs, strict=True)):
            serving = pids()
            before = cpu_seconds(serving)
            more, failed = asyncio.run(burst(port, path, clients, seconds / rounds))
            cpu[index] += cpu_seconds(serving) - before
            latencies += more
            errors += failed
    summaries = [summarise(latencies, errors, seconds) for latencies, errors in runs]
    for summary, spent in zip(summaries, cpu, strict=True):
        summary["cpu_ms"] = spent * 1000 / summary["requests"] if summary["requests"] else 0.0
    return summaries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ)
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    if not env["DATABASE_URL"].startswith("postgres"):
        print("bench_trace needs PostgreSQL: set BENCH_DATABASE_URL=postgres://...")
        return 2
    env.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
    print("preparing the demo county ...", file=sys.stderr, flush=True)
    path = prepare(env)
    print(f"serving; trace page {path}", file=sys.stderr, flush=True)
    port = free_port()
    countyhub = str(Path(sys.executable).with_name("countyhub"))
    server = subprocess.Popen(
        [countyhub, "serve", "--port", str(port), "--workers", str(args.workers),
         "--threads", str(args.threads)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    print("server did not start:", server.stderr.read().decode()[-2000:])
                    return 1
                time.sleep(0.3)
        before = scan_count(env, path)
        print("warming up and measuring ...", file=sys.stderr, flush=True)
        # Warm up both endpoints (each worker verifies the batch's chain once, then caches it).
        warm = measure(port, path, 4, 2.0)
        measure(port, "/healthz", 4, 1.0)
        ceiling, trace = alternate(
            port,
            ["/healthz", path],
            args.clients,
            args.seconds,
            args.rounds,
            lambda: serving_pids(server.pid, env["DATABASE_URL"]),
        )
        time.sleep(0.5)
        served = warm["ok"] + trace["ok"]
        counted = scan_count(env, path) - before
    finally:
        # SIGINT is gunicorn's quick shutdown; SIGTERM would wait for idle keep-alive clients.
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(
        f"countyhub serve: {args.workers} workers x {args.threads} threads, PostgreSQL, "
        f"{args.clients} keep-alive clients, {args.seconds:g} s each in {args.rounds} alternating "
        f"rounds, {os.cpu_count()} CPUs"
    )
    print(f"{'endpoint':<12}{'requests':>10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for name, row in (("/healthz", ceiling), ("trace page", trace)):
        print(
            f"{name:<12}{row['requests']:>10}{row['rps']:>10.0f}{row['p50']:>9.1f}"
            f"{row['p99']:>9.1f}{row['errors']:>8}"
        )
    for name, row in (("/healthz", ceiling), ("trace page", trace)):
        if row["errors"]:
            print(f"{name} errors: {row['kinds']}")
    ratio = trace["rps"] / ceiling["rps"] if ceiling["rps"] else 0.0
    print(f"trace page / ceiling: {ratio:.2f} (target >= 0.50)")
    print(f"p99 trace page: {trace['p99']:.1f} ms (target < 100 ms)")
    if ceiling["cpu_ms"] and trace["cpu_ms"]:
        print(
            f"CPU per request (server workers + PostgreSQL backends): /healthz "
            f"{ceiling['cpu_ms']:.2f} ms, trace page {trace['cpu_ms']:.2f} ms, "
            f"ratio {ceiling['cpu_ms'] / trace['cpu_ms']:.2f}"
        )
    print(f"scans counted {counted} for {served} trace pages served: "
          f"{'none lost' if counted == served else f'{served - counted} LOST'}")  # fmt: skip
    met = ratio >= 0.5 and trace["p99"] < 100 and trace["errors"] == 0 and counted == served
    print("targets met" if met else "targets NOT met")
    return 0 if counted == served and trace["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
