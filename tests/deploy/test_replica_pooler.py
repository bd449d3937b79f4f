"""A PostgreSQL streaming replica for the reports and PgBouncer in transaction mode in front of
the primary, on loopback (issue 19, "Shared state, media, several app servers").

In a temporary folder: a throwaway primary cluster (initdb, as the postgres user when run by root)
holding a copy of pytest-django's migrated test database, a hot standby of it (pg_basebackup -R),
a PgBouncer (pool_mode = transaction) in front of the primary, and `countyhub serve` (production
settings) with DATABASE_URL through PgBouncer, DATABASE_POOLER=pgbouncer and DATABASE_REPLICA_URL.
Both clusters log every statement, so the test reads where each query ran. Proved:

- GS1 Digital Link scans (the scan's statement is the one countyhub prepares on a direct
  connection) succeed again and again while another client keeps taking PgBouncer's server
  connections, which with a prepared statement fails ("prepared statement does not exist", shown
  here on a plain psycopg connection);
- writes (API checkouts, scans) go to the primary; the annual report's queries run on the replica
  and not on the primary, and it counts what was just written (the replica had replayed it);
- a replica that is behind (replay paused) or stopped: the report is computed on the primary, with
  a log line saying why, and /readyz says "degraded" (200) naming the replica.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.conftest import requires_postgres
from tests.deploy.test_two_servers import ROOT, _free_port, _request, _run

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
PG_BIN = PG_BINS[-1].parent if PG_BINS else None
PGBOUNCER = shutil.which("pgbouncer") or (
    "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
)
SCANS = 16
YEAR = time.gmtime().tm_year

pytestmark = [
    requires_postgres,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.timeout(240),
    # Only for pytest-django to create its test database, which the primary starts as a copy of.
    pytest.mark.django_db,
    pytest.mark.skipif(PG_BIN is None, reason="needs PostgreSQL's server programs (postgresql)"),
    pytest.mark.skipif(PGBOUNCER is None, reason="needs pgbouncer (Debian package, make system)"),
]


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL and PgBouncer refuse to run as root: as root, run them as `postgres`."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _pg(args: list[str], timeout: float = 60) -> None:
    done = subprocess.run(
        _as_postgres(args), capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"


@dataclass
class Cluster:
    data: Path
    port: int
    log: Path

    def url(self, database: str = "countyhub") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        _pg(
            [
                str(PG_BIN / "pg_ctl"),
                "start",
                "-w",
                "-t",
                "60",
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                f"-p {self.port}",
            ],
            timeout=90,
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            _pg(
                [str(PG_BIN / "pg_ctl"), "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data)]
            )

    def statements(self, since: int) -> str:
        """What it logged (every statement) after `since` bytes of its log."""
        with self.log.open("rb") as log:
            log.seek(since)
            return log.read().decode(errors="replace")

    def mark(self) -> int:
        return self.log.stat().st_size


@dataclass
class Stack:
    base: str
    primary: Cluster
    replica: Cluster
    pooler_url: str
    seed: dict
    cookie: str
    app_log: Path


def _wait_for_connection(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with psycopg.connect(url, connect_timeout=2):
                return
        except psycopg.OperationalError:
            assert time.monotonic() < deadline, f"{url} did not answer within {seconds} s"
            time.sleep(0.2)


def _wait_for_http(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError):
            if _request(url)[0] == 200:
                return
        assert process.poll() is None, f"the app server exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{url} did not answer within {seconds} s"
        time.sleep(0.2)


def _pgbouncer_ini(folder: Path, port: int, primary: Cluster) -> Path:
    """deploy/pgbouncer/pgbouncer.ini as written, but for the throwaway primary, this folder,
    trust and a pool small enough that clients take turns on server connections."""
    ini = (ROOT / "deploy" / "pgbouncer" / "pgbouncer.ini").read_text()
    for key, value in {
        "listen_port": str(port),
        "unix_socket_dir": "",
        "auth_type": "trust",
        "auth_file": f"{folder}/userlist.txt",
        "default_pool_size": "3",
        "logfile": f"{folder}/pgbouncer.log",
        "pidfile": f"{folder}/pgbouncer.pid",
    }.items():
        ini, found = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}".rstrip(), ini)
        assert found == 1, key
    ini, found = re.subn(
        r"(?m)^countyhub = .*$",
        f"countyhub = host=127.0.0.1 port={primary.port} dbname=countyhub user=postgres",
        ini,
    )
    assert found == 1
    assert re.search(r"(?m)^pool_mode = transaction$", ini)
    (folder / "userlist.txt").write_text('"postgres" ""\n')
    path = folder / "pgbouncer.ini"
    path.write_text(ini)
    return path


def _libpq_url(settings_dict: dict) -> str:
    """A libpq URL of the database a Django connection uses."""
    user = settings_dict["USER"] or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or "127.0.0.1"
    port = settings_dict["PORT"] or "5432"
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory) -> Iterator[Stack]:
    from django.db import connection

    # A folder the postgres user may enter (pytest's are root's own when run as root).
    folder = Path(tempfile.mkdtemp(prefix="countyhub-replica-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary = Cluster(folder / "primary", _free_port(), folder / "primary.log")
    replica = Cluster(folder / "replica", _free_port(), folder / "replica.log")
    processes: list[subprocess.Popen] = []
    started: list[Cluster] = []
    try:
        _pg(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(primary.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            timeout=120,
        )
        with (primary.data / "postgresql.conf").open("a") as conf:
            # Throwaway clusters: no durability wanted, but synchronous_commit stays on (the
            # production setting): a commit is flushed, so within the primary's
            # pg_current_wal_flush_lsn(), before the client hears of it. Every statement is
            # logged for the asserts.
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{folder}'\n"
                "fsync = off\nfull_page_writes = off\n"
                "log_statement = 'all'\nlog_line_prefix = '%m [%p] '\n"
            )
        primary.start()
        started.append(primary)
        with psycopg.connect(primary.url("postgres"), autocommit=True) as admin:
            admin.execute("CREATE DATABASE countyhub")
        # pytest-django's test database, migrated once for the whole session: copied, not
        # migrated again (migrating takes a minute and more on this machine).
        test_database = _libpq_url(connection.settings_dict)
        dump = subprocess.run(
            ["pg_dump", "--no-owner", "--no-privileges", "-d", test_database],
            capture_output=True,
            timeout=120,
            check=True,
        )
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", primary.url()],
            input=dump.stdout,
            capture_output=True,
            timeout=120,
            check=True,
        )

        var = tmp_path_factory.mktemp("replica-var")
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in ("REDIS_URL", "COUNTYHUB_CACHE", "COUNTYHUB_MEDIA_ROOT", "PYTEST_XDIST_WORKER")
        }
        env |= {
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]
            ),
            "DJANGO_SETTINGS_MODULE": "countyhub.settings",
            "DATABASE_URL": primary.url(),
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "replica-test-" + uuid.uuid4().hex,
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "COUNTYHUB_LOG_FORMAT": "text",
            "COUNTYHUB_VAR_DIR": str(var),
        }
        seed = json.loads(_run([sys.executable, "-m", "tests.deploy.seed", "make"], env))

        _pg(
            [
                str(PG_BIN / "pg_basebackup"),
                "-d",
                primary.url("postgres"),
                "-D",
                str(replica.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ],
            timeout=120,
        )
        replica.start()
        started.append(replica)

        pooler_port = _free_port()
        ini = _pgbouncer_ini(folder, pooler_port, primary)
        if os.geteuid() == 0:
            for path in (ini, folder / "userlist.txt"):
                shutil.chown(path, "postgres", "postgres")
        processes.append(
            subprocess.Popen(
                _as_postgres([PGBOUNCER, str(ini)]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
        pooler_url = f"postgres://postgres@127.0.0.1:{pooler_port}/countyhub"
        _wait_for_connection(pooler_url)

        app_port = _free_port()
        app_log = folder / "app.log"
        server_env = env | {
            "DATABASE_URL": pooler_url,
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_REPLICA_URL": replica.url(),
            "DATABASE_REPLICA_WAIT_SECONDS": "0.5",
        }
        with app_log.open("w") as out:
            processes.append(
                subprocess.Popen(
                    # gunicorn as `countyhub serve` runs it, without its collectstatic (a
                    # minute on this machine; the pages name static files, none is fetched).
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "countyhub.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{app_port}",
                        "--workers",
                        "2",
                        "--threads",
                        "2",
                        "--worker-class",
                        "gthread",
                        "--log-level",
                        "warning",
                    ],
                    env=server_env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        base = f"http://127.0.0.1:{app_port}"
        _wait_for_http(f"{base}/healthz", processes[-1], app_log)
        yield Stack(base, primary, replica, pooler_url, seed, seed["admin_cookie"], app_log)
    finally:
        # Throwaway processes, nothing of theirs to keep: killed with their children at once
        # (gunicorn's quick shutdown and PgBouncer's safe one took 10-20 s here).
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        for cluster in reversed(started):
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                cluster.stop("immediate")  # throwaway: nothing to write out
        shutil.rmtree(folder, ignore_errors=True)


def _checkout(stack: Stack) -> None:
    seed = stack.seed
    order = {
        "lines": [{"product_id": seed["product_id"], "quantity": "1"}],
        "delivery": {"method": "station", "station_id": seed["station_id"], "phone": "138"},
    }
    headers = {"Authorization": f"Bearer {seed['token']}", "Idempotency-Key": uuid.uuid4().hex}
    status, _headers, body = _request(f"{stack.base}/api/orders", order, headers)
    assert status == 201, body


def _report_orders(stack: Stack) -> int:
    """The annual report's count of this year's orders."""
    url = f"{stack.base}/c/{stack.seed['county']}/impact/report/{YEAR}/"
    status, _headers, page = _request(
        url, headers={"Cookie": stack.cookie, "Accept-Language": "en"}
    )
    assert status == 200, page[:1000]
    found = re.search(rf"(\d+) orders of {YEAR} that count as sales", page)
    assert found, page[:3000]
    return int(found.group(1))


def _readyz(stack: Stack) -> tuple[int, dict]:
    status, _headers, body = _request(f"{stack.base}/readyz")
    return status, json.loads(body)


def test_scans_work_through_pgbouncer_while_server_connections_change_hands(stack):
    from countyhub.trace.models import Scan

    count = f"SELECT count(*) FROM {Scan._meta.db_table} WHERE batch_id = %s"
    batch = [stack.seed["batch_id"]]
    # What a prepared statement does behind PgBouncer in transaction mode: prepared on the
    # server connection one transaction had, missing on the one the next transaction gets.
    with (
        psycopg.connect(stack.pooler_url, autocommit=True) as client,
        psycopg.connect(stack.pooler_url, autocommit=True, prepare_threshold=None) as holder,
    ):
        client.execute(count, batch, prepare=True)
        holder.execute("BEGIN")
        holder.execute("SELECT 1")  # holds the server connection the client just left
        with pytest.raises(psycopg.errors.InvalidSqlStatementName):
            client.execute(count, batch, prepare=True)
        holder.execute("COMMIT")

    scan_url = f"{stack.base}/01/{stack.seed['gtin']}/10/{stack.seed['lot']}"
    since = stack.primary.mark()
    with psycopg.connect(stack.pooler_url, autocommit=True, prepare_threshold=None) as holder:
        for n in range(SCANS):
            holding = n % 2 == 1
            if holding:
                holder.execute("BEGIN")
                holder.execute("SELECT 1")
            status, _headers, page = _request(scan_url, headers={"Accept-Language": "en"})
            if holding:
                holder.execute("COMMIT")
            assert status == 200, page[:500]
            assert stack.seed["lot"] in page
    # Every scan counted, on the primary, by its one statement, never prepared.
    with psycopg.connect(stack.primary.url()) as primary:
        assert primary.execute(count, batch).fetchone()[0] == SCANS
    log = stack.primary.statements(since)
    assert len(re.findall(r"execute <unnamed>: WITH target AS", log)) == SCANS
    assert "execute _pg3_" not in log


def test_reports_read_the_replica_and_fall_back_to_the_primary(stack):
    status, ready = _readyz(stack)
    assert status == 200 and ready["status"] == "ok" and ready["checks"]["replica"] == "ok"

    # A write through PgBouncer to the primary; the report, read from the replica, counts it
    # (the replica had replayed it before the report read anything).
    _checkout(stack)
    primary_since, replica_since = stack.primary.mark(), stack.replica.mark()
    assert _report_orders(stack) == 1
    on_primary = stack.primary.statements(primary_since)
    on_replica = stack.replica.statements(replica_since)
    assert "pg_current_wal_flush_lsn()" in on_primary
    assert '"shop_order"' in on_replica and '"shop_orderline"' in on_replica
    assert '"shop_order"' not in on_primary
    assert not re.search(r"(?i)\b(INSERT|UPDATE|DELETE)\b", on_replica)

    # The replica stops replaying: behind the primary, it is not read; the primary answers
    # with what was just written, and the log says why.
    with psycopg.connect(stack.replica.url(), autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()")
        try:
            _checkout(stack)
            primary_since = stack.primary.mark()
            assert _report_orders(stack) == 2
            assert '"shop_order"' in stack.primary.statements(primary_since)
            assert re.search(
                r"WARNING countyhub.core.routers .* reading from the primary: the replica is "
                r"\d+ bytes of WAL behind",
                stack.app_log.read_text(),
            )
            status, ready = _readyz(stack)
            assert status == 200 and ready["status"] == "degraded"
            assert "bytes of WAL behind" in ready["checks"]["replica"]
            assert ready["checks"]["database"] == "ok"
        finally:
            replica.execute("SELECT pg_wal_replay_resume()")

    replica_since = stack.replica.mark()
    assert _report_orders(stack) == 2
    assert '"shop_order"' in stack.replica.statements(replica_since)

    # The replica is stopped: the reports go on, from the primary.
    stack.replica.stop()
    _checkout(stack)
    primary_since = stack.primary.mark()
    assert _report_orders(stack) == 3
    assert '"shop_order"' in stack.primary.statements(primary_since)
    assert "reading from the primary: the replica does not answer" in stack.app_log.read_text()
    status, ready = _readyz(stack)
    assert status == 200 and ready["status"] == "degraded"
    assert ready["checks"]["replica"].startswith("RuntimeError: the replica ")
