"""Two app servers behind a real nginx, on loopback, on PostgreSQL (issue 19, "Shared state,
media, several app servers").

A throwaway database is created and migrated once; two `countyhub serve` processes (production
settings, the database cache) serve it on two ports; nginx runs the deployment's own proxy rules
(deploy/nginx/countyhub-proxy.conf, and the upstream and log format of deploy/nginx/countyhub.conf)
over plain HTTP on a third port. Through nginx: checkouts over the JSON API and QR scans of a
traced batch all succeed and are all counted once, both servers took part (their own /metrics,
scraped directly, and nginx's access log), nginx serves the static files itself, hides /metrics,
refuses a body over the app's limit but passes a large one, and hands the app its request id.
With Redis, a Celery worker and two `countyhub beat` processes beside them: a payout-run job
queued through either server runs on the worker and its page answers through the other, and
each period of the beats' work is claimed and run once; a product import uploaded to one server
runs on the worker and is followed through the other, and an annual report's PDF made on the
worker downloads through either server and nginx."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from bench.stack import Stack, nginx_conf
from bench.stack import free_port as _free_port

from tests.conftest import requires_postgres
from tests.redis_server import own_redis

_stop = Stack.stop

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COUNTYHUB = str(Path(sys.executable).parent / "countyhub")
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CHECKOUTS = 12
SERVE_OPTIONS = ("--workers", "2", "--threads", "2")
SCANS = 12
# settings.COUNTYHUB_MAX_REQUEST_BYTES's default; nginx's client_max_body_size must agree.
MAX_REQUEST_BYTES = 30 * 2**20

pytestmark = [
    requires_postgres,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="needs nginx (Debian package nginx, make system)"),
]

# No proxy from the environment between the test and loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Stack:
    base: str  # nginx
    servers: list[str]  # the app servers, directly
    seed: dict
    env: dict[str, str]
    access_log: Path
    database_url: str
    folder: Path


def _request(url: str, body: dict | None = None, headers: dict | None = None):
    """(status, headers, body text) of one request; errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _request_bytes(url: str, headers: dict):
    with OPENER.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.status, response.headers, response.read()


def _request_raw(url: str, body: bytes, headers: dict):
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def _wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if _request(url)[0] == 200:
                return
        except OSError:
            pass
        assert process.poll() is None, f"{process.args[:2]} exited:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{url} did not answer within {seconds} s"
        time.sleep(0.2)


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"{args}:\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("two-servers")
    admin_url = os.environ["DATABASE_URL"]
    name = f"countyhub_deploy_{uuid.uuid4().hex[:10]}"
    database_url = urlsplit(admin_url)._replace(path=f"/{name}").geturl()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "COUNTYHUB_CACHE", "COUNTYHUB_MEDIA_ROOT", "PYTEST_XDIST_WORKER")
    }
    env |= {
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]),
        "DJANGO_SETTINGS_MODULE": "countyhub.settings",
        "DATABASE_URL": database_url,
        # Production, as deployed, but for the plain HTTP of a test on loopback.
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "deploy-test-" + uuid.uuid4().hex,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "COUNTYHUB_TRUSTED_PROXY_HEADER": "X-Forwarded-For",
        "COUNTYHUB_TRUSTED_PROXY_COUNT": "1",
        "COUNTYHUB_LOG_FORMAT": "text",
        "COUNTYHUB_VAR_DIR": str(tmp / "var-migrate"),
    }
    processes: list[subprocess.Popen] = []
    logs = []
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    resources = contextlib.ExitStack()
    try:
        _run([COUNTYHUB, "manage", "migrate", "-v", "0"], env)
        seed = json.loads(_run([sys.executable, "-m", "tests.deploy.seed", "make"], env))
        # Jobs on Celery: one Redis, one worker; the files jobs read and make in one private
        # storage every host reaches (object storage in production, a folder here).
        env |= {
            "REDIS_URL": resources.enter_context(own_redis(tmp)).url,
            "COUNTYHUB_PRIVATE_ROOT": str(tmp / "shared-private"),
        }
        for label, args in (
            ("worker", ["worker", "--loglevel", "warning"]),
            ("beat-0", ["beat", "--interval", "1"]),
            ("beat-1", ["beat", "--interval", "1"]),
        ):
            with (tmp / f"{label}.log").open("w") as out:
                processes.append(
                    subprocess.Popen(
                        [COUNTYHUB, *args],
                        env=env | {"COUNTYHUB_VAR_DIR": str(tmp / f"var-{label}")},
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )

        app_ports = [_free_port(), _free_port()]
        for index, port in enumerate(app_ports):
            server_env = env | {"COUNTYHUB_VAR_DIR": str(tmp / f"var-{index}")}
            log = tmp / f"app-{index}.log"
            logs.append(log)
            with log.open("w") as out:
                processes.append(
                    subprocess.Popen(
                        [COUNTYHUB, "serve", "--port", str(port), *SERVE_OPTIONS],
                        env=server_env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        servers = [f"http://127.0.0.1:{port}" for port in app_ports]
        for server, process, log in zip(servers, processes[-2:], logs, strict=True):
            _wait_for(f"{server}/healthz", process, log)

        port = _free_port()
        conf = nginx_conf(tmp / "nginx", port, app_ports, tmp / "var-0", access_log=True)
        nginx_log = tmp / "nginx" / "stderr.log"
        with nginx_log.open("w") as out:
            processes.append(
                subprocess.Popen(
                    [NGINX, "-p", str(conf.parent), "-c", str(conf), "-e", os.devnull],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz", processes[-1], nginx_log, seconds=20)
        yield Stack(base, servers, seed, env, tmp / "nginx" / "access.log", database_url, tmp)
    finally:
        _stop(processes)
        resources.close()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _counter(server: str, name: str) -> float:
    status, _headers, text = _request(f"{server}/metrics")
    assert status == 200, text[:300]
    match = re.search(rf"(?m)^{name} (\S+)$", text)
    return float(match.group(1)) if match else 0.0


def test_checkouts_and_scans_through_nginx_reach_both_servers(stack):
    seed = stack.seed
    bearer = {"Authorization": f"Bearer {seed['token']}"}
    order = {
        "lines": [{"product_id": seed["product_id"], "quantity": "1"}],
        "delivery": {"method": "station", "station_id": seed["station_id"], "phone": "138"},
    }
    request_ids = []
    for n in range(CHECKOUTS):
        status, headers, body = _request(
            f"{stack.base}/api/orders", order, bearer | {"Idempotency-Key": f"deploy-{n}"}
        )
        assert status == 201, body
        assert json.loads(body)["total"] == seed["price"]
        request_ids.append(headers["X-Request-ID"])

    scan_url = f"{stack.base}/01/{seed['gtin']}/10/{seed['lot']}"
    for _ in range(SCANS):
        status, headers, page = _request(scan_url, headers={"Accept-Language": "en"})
        assert status == 200, page[:500]
        assert seed["lot"] in page
        request_ids.append(headers["X-Request-ID"])

    # Every order and scan is in the one database, and the stock is promised exactly.
    ids = (seed["product_id"], seed["batch_id"])
    counts = json.loads(
        _run(
            [sys.executable, "-m", "tests.deploy.seed", "check", *map(str, ids)],
            stack.env,
        )
    )
    assert counts["orders"] == CHECKOUTS
    assert Decimal(counts["ordered"]) == Decimal(counts["allocated"]) == CHECKOUTS
    assert counts["scans"] == SCANS

    # Both app servers took checkouts and scans, and each was counted once (each server's own
    # /metrics adds up its two workers).
    checkouts = [_counter(s, "countyhub_checkouts_total") for s in stack.servers]
    scans = [_counter(s, "countyhub_trace_scans_total") for s in stack.servers]
    assert sum(checkouts) == CHECKOUTS and all(checkouts), checkouts
    assert sum(scans) == SCANS and all(scans), scans

    # nginx's log names both upstreams, and the id it made for each request is the one the app
    # answered with (so the same id is in nginx's log, countyhub's log lines and its jobs).
    log = stack.access_log.read_text()
    upstreams = set(re.findall(r" (127\.0\.0\.1:\d+) [\d.]+ [0-9a-f]{32}$", log, re.M))
    assert upstreams == {s.removeprefix("http://") for s in stack.servers}
    logged_ids = set(re.findall(r" ([0-9a-f]{32})$", log, re.M))
    assert all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in request_ids)
    assert set(request_ids) <= logged_ids


def test_nginx_serves_static_hides_metrics_and_refuses_oversized_bodies(stack):
    status, headers, script = _request(f"{stack.base}/static/countyhub/site.js")
    assert status == 200 and script
    assert headers["Cache-Control"] == "max-age=3600" and headers["Expires"]
    # The gzip copy collectstatic wrote, to a client that takes it.
    status, headers, _body = _request_bytes(
        f"{stack.base}/static/countyhub/site.js", {"Accept-Encoding": "gzip"}
    )
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    # From nginx's disk (no upstream in its log), not passed to whitenoise.
    log_line = [line for line in stack.access_log.read_text().splitlines() if "/static/" in line][
        -1
    ]
    assert " - " in log_line.split('"')[-1], log_line

    # Prometheus scrapes the app servers themselves; through the site there is nothing.
    assert _request(f"{stack.base}/metrics")[0] == 404
    assert _request(f"{stack.servers[0]}/metrics")[0] == 200

    # Above the app's limit nginx answers 413 at once, without reading the body.
    host, port = stack.base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("POST", "/api/orders")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(MAX_REQUEST_BYTES + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()
    # A body above nginx's own default limit (1 MiB) reaches the app, which reads it and
    # answers for itself (not JSON: its error, naming no field).
    body = b" " * (3 * 2**19) + b"{"
    status, _headers, answer = _request_raw(
        f"{stack.base}/api/orders", body, {"Authorization": f"Bearer {stack.seed['token']}"}
    )
    assert status in (400, 422), (status, answer[:300])
    assert "nginx" not in answer and json.loads(answer)["message"]


def _post_form(url: str, fields: dict[str, str], cookie: str) -> tuple[int, str]:
    """(status, Location) of a form POST, the redirect not followed."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            "POST",
            parts.path,
            body=urllib.parse.urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("Location", "")
    finally:
        connection.close()


def _csrf(page_url: str, session: str) -> tuple[str, str]:
    """The cookie header (session and CSRF token) and the form's token, from a page's form."""
    status, headers, page = _request(page_url, headers={"Cookie": session})
    assert status == 200, page[:500]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    cookies = [c.split(";", 1)[0] for c in headers.get_all("Set-Cookie") or []]
    csrf_cookie = next(c for c in cookies if c.split("=", 1)[0].endswith("csrftoken"))
    return f"{session}; {csrf_cookie}", token


def _finished(stack: Stack, job_page: str, session: str) -> dict:
    """The job's progress once it finished, polled as its page does; it must have succeeded."""
    deadline = time.monotonic() + 90
    while True:
        status, _headers, body = _request(f"{job_page}progress/", headers={"Cookie": session})
        assert status == 200, body[:300]
        progress = json.loads(body)
        if progress["finished"]:
            break
        assert time.monotonic() < deadline, (stack.folder / "worker.log").read_text()[-3000:]
        time.sleep(0.3)
    assert progress["status"] == "succeeded", progress
    return progress


def _post_file(url: str, fields: dict[str, str], file: tuple[str, bytes], cookie: str):
    """(status, Location) of a multipart form POST with one file field named "file"."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    name, content = file
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    try:
        connection.request(
            "POST",
            target.path,
            body=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": cookie,
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("Location", "")
    finally:
        connection.close()


def test_a_job_queued_through_either_server_runs_on_the_worker_and_beat_runs_once(stack):
    """A payout run queued through each app server runs on the one worker (Redis), its page
    answers through the other server and through nginx; two beats share each period."""
    session, county = stack.seed["admin_cookie"], stack.seed["county"]
    jobs_seen = []
    for index, server in enumerate(stack.servers):
        other = stack.servers[1 - index]
        page = f"{server}/c/{county}/programs/payouts/"
        cookie, token = _csrf(page, session)
        month = f"2025-{index + 1:02d}"
        status, location = _post_form(page, {"csrfmiddlewaretoken": token, "period": month}, cookie)
        assert status == 302 and re.fullmatch(r"/jobs/\d+/", location), (status, location)
        progress = _finished(stack, f"{other}{location}", session)
        status, _headers, body = _request(
            f"{stack.base}{progress['next_url']}", headers={"Cookie": session}
        )
        assert re.fullmatch(rf"/c/{county}/programs/payouts/\d+/", progress["next_url"])
        assert status == 200, body[:500]
        jobs_seen.append(location)
    assert len(set(jobs_seen)) == 2
    with psycopg.connect(stack.database_url) as db:
        runs = db.execute(
            "SELECT to_char(period_start, 'YYYY-MM') FROM programs_payoutrun ORDER BY 1"
        ).fetchall()
        assert [row[0] for row in runs] == ["2025-01", "2025-02"]
        # Both beats keep time; each period of the minutely tasks was claimed and run once.
        deadline = time.monotonic() + 60
        while True:
            claims = db.execute(
                "SELECT task, period, count(*) FROM core_periodicrun"
                " WHERE task = 'jobs.send_unsent' GROUP BY task, period"
            ).fetchall()
            if claims:
                break
            assert time.monotonic() < deadline, (stack.folder / "beat-0.log").read_text()[-2000:]
            time.sleep(0.5)
        assert all(count == 1 for _task, _period, count in claims)
    summaries = [(stack.folder / f"beat-{n}.log").read_text() for n in (0, 1)]
    ran = [line for text in summaries for line in text.splitlines() if line.startswith("jobs.")]
    periods = [line.split()[1] for line in ran if line.startswith("jobs.send_unsent ")]
    assert periods and len(periods) == len(set(periods)), ran


def test_an_import_and_a_report_queued_through_one_server_are_read_through_the_other(stack):
    """A product import's upload, received by one server, is read by the worker from the shared
    storage, and its page answers through the other; an annual report's PDF, made on the
    worker, downloads through either server."""
    session, county = stack.seed["admin_cookie"], stack.seed["county"]
    first, second = stack.servers
    page = f"{first}/c/{county}/import/"
    cookie, token = _csrf(page, session)
    name_en = f"Deploy test {uuid.uuid4().hex[:6]}"
    table = f"id,name_en\r\n{stack.seed['product_id']},{name_en}\r\n".encode("gb18030")
    status, location = _post_file(page, {"csrfmiddlewaretoken": token}, ("产品.csv", table), cookie)
    assert status == 302 and re.fullmatch(r"/jobs/\d+/", location), (status, location)
    _finished(stack, f"{second}{location}", session)
    with psycopg.connect(stack.database_url) as db:
        (stored,) = db.execute(
            "SELECT name_en FROM catalog_product WHERE id = %s", [stack.seed["product_id"]]
        ).fetchone()
    assert stored == name_en

    page = f"{second}/c/{county}/impact/report/2025/"
    cookie, token = _csrf(page, session)
    status, location = _post_form(f"{page}pdf/", {"csrfmiddlewaretoken": token}, cookie)
    assert status == 302 and re.fullmatch(r"/jobs/\d+/", location), (status, location)
    _finished(stack, f"{first}{location}", session)
    for server in (first, second, stack.base):
        status, headers, pdf = _request_bytes(f"{server}{location}file/", {"Cookie": session})
        assert status == 200 and headers["Content-Type"] == "application/pdf"
        assert pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-1024:]
