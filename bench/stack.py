"""A throwaway countyhub stack on loopback: a fresh PostgreSQL database, app servers started by
`countyhub serve` with production settings, and nginx running the deployment's own proxy rules
(deploy/nginx/) in front of any subset of them. Everything lives in one temporary folder and
dies with the `Stack` context."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

import psycopg

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
COUNTYHUB = str(Path(sys.executable).with_name("countyhub"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# No proxy from the environment between the bench and loopback.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http(
    url: str, body: dict | None = None, headers: dict | None = None, method: str | None = None
) -> tuple[int, str]:
    """(status, body text) of one request; an error status is an answer too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def nginx_conf(
    folder: Path, port: int, app_ports: list[int], static_root: Path, *, access_log: bool = False
) -> Path:
    """deploy/'s site: its upstream (with these app servers) and log format, its proxy rules
    verbatim but for the data folder, plain HTTP on `port`, everything in `folder` (with
    `access_log`, the requests in folder/access.log in deploy's format)."""
    site = (DEPLOY / "nginx" / "countyhub.conf").read_text()
    upstream = re.search(r"^upstream countyhub_app \{.*?^\}", site, re.S | re.M)
    log_format = re.search(r"^log_format countyhub .*?;$", site, re.S | re.M)
    if upstream is None or log_format is None:
        raise SystemExit("deploy/nginx/countyhub.conf lost its upstream or its log format")
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in app_ports
    )
    block = re.sub(r"(?m)^\s*#?\s*server .*\n", "", upstream.group(0))
    block = block.replace("{\n", "{\n" + servers, 1)
    folder.mkdir(parents=True)
    rules = (DEPLOY / "nginx" / "countyhub-proxy.conf").read_text()
    if "root /var/lib/countyhub;" not in rules:
        raise SystemExit("deploy/nginx/countyhub-proxy.conf no longer roots at /var/lib/countyhub")
    (folder / "countyhub-proxy.conf").write_text(
        rules.replace("root /var/lib/countyhub;", f"root {static_root};")
    )
    for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / temp).mkdir()
    # nginx's workers drop to `nobody` when started by root, and temporary folders are private.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""{user}daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
{log_format.group(0)}
    {f"access_log {folder}/access.log countyhub;" if access_log else "access_log off;"}
{block}
    server {{
        listen 127.0.0.1:{port};
        server_name _;
        include {folder}/countyhub-proxy.conf;
    }}
}}
"""
    )
    return conf


class Stack:
    """`with Stack(admin_url, folder) as stack:` a database of its own, then `serve()` app
    servers and `nginx()` in front of them; all stopped and the database dropped on exit."""

    def __init__(self, admin_url: str, folder: Path, *, redis_url: str | None = None) -> None:
        self.admin_url = admin_url
        self.folder = folder
        self.name = f"countyhub_bench_{uuid.uuid4().hex[:10]}"
        self.database_url = urlsplit(admin_url)._replace(path=f"/{self.name}").geturl()
        self.processes: list[subprocess.Popen] = []
        self.app_pids: list[int] = []
        env = {
            k: v
            for k, v in os.environ.items()
            if k
            not in ("REDIS_URL", "COUNTYHUB_CACHE", "COUNTYHUB_MEDIA_ROOT", "PYTEST_XDIST_WORKER")
        }
        self.env = env | {
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]
            ),
            "DJANGO_SETTINGS_MODULE": "countyhub.settings",
            "DATABASE_URL": self.database_url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "bench-only-" + uuid.uuid4().hex * 2,
            "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP over loopback
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "COUNTYHUB_TRUSTED_PROXY_HEADER": "X-Forwarded-For",
            "COUNTYHUB_TRUSTED_PROXY_COUNT": "1",
            "COUNTYHUB_LOG_FORMAT": "text",
            "COUNTYHUB_VAR_DIR": str(folder / "var"),
            "COUNTYHUB_MEDIA_ROOT": str(folder / "media"),
        }
        if redis_url:
            self.env["REDIS_URL"] = redis_url

    def __enter__(self) -> Stack:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop(self.processes)
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def run(self, *args: str, timeout: float = 900) -> str:
        done = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode:
            raise SystemExit(f"{' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def _start(
        self, args: list[str], log: Path, env: dict[str, str], core: int | None = None
    ) -> subprocess.Popen:
        with log.open("w") as out:
            process = subprocess.Popen(
                args,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Before the exec: gunicorn's workers inherit the core.
                preexec_fn=None if core is None else lambda: os.sched_setaffinity(0, {core}),
            )
        self.processes.append(process)
        return process

    def serve(self, index: int, *, workers: int, threads: int, core: int | None = None) -> str:
        """An app server (gunicorn under `countyhub serve`); its base URL once it answers.
        With `core`, it and its workers run on that CPU core only."""
        port = free_port()
        env = self.env | {"COUNTYHUB_VAR_DIR": str(self.folder / f"var-{index}")}
        log = self.folder / f"app-{index}.log"
        args = [COUNTYHUB, "serve", "--port", str(port)]
        args += ["--workers", str(workers), "--threads", str(threads)]
        process = self._start(args, log, env, core)
        self.app_pids.append(process.pid)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", process, log)
        return base

    def background(self, label: str, *args: str) -> subprocess.Popen:
        """A `countyhub` command that runs until the stack stops (`worker`, `beat`)."""
        env = self.env | {"COUNTYHUB_VAR_DIR": str(self.folder / f"var-{label}")}
        return self._start([COUNTYHUB, *args], self.folder / f"{label}.log", env)

    def nginx(self, label: str, app_urls: list[str]) -> str:
        """nginx with the deployment's rules in front of these app servers; its base URL."""
        port = free_port()
        ports = [int(url.rsplit(":", 1)[1]) for url in app_urls]
        conf = nginx_conf(self.folder / f"nginx-{label}", port, ports, self.folder / "var-0")
        log = conf.parent / "stderr.log"
        process = self._start([NGINX, "-p", str(conf.parent), "-c", str(conf)], log, self.env)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", process, log, seconds=20)
        return base

    @staticmethod
    def stop(processes: list[subprocess.Popen]) -> None:
        """The processes and everything they started: SIGINT (a quick shutdown for gunicorn
        and nginx) to all at once, SIGKILL to what is left."""
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGINT)
        deadline = time.monotonic() + 20
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if http(url)[0] == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"{process.args[:2]} exited:\n{log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {seconds} s")
        time.sleep(0.2)
