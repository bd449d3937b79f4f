"""deploy/ agrees with the code it deploys (issue 19): the environment template names every
variable the settings read, nginx's body limit is the app's, the systemd units and the compose
file run commands countyhub has, the compose file is valid YAML with the whole stack, and nginx
accepts the TLS site as written (with a throwaway certificate in place of the placeholders)."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from typer.testing import CliRunner

from countyhub.cli import app
from countyhub.commands import web

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit.lower()]


def _countyhub_command_exists(args: list[str]) -> None:
    """`countyhub ARGS` names a command with these options (`manage X`: a Django command)."""
    if args[0] == "manage":
        assert args[1] in get_commands(), args
        return
    result = CliRunner().invoke(app, [*args, "--help"])
    assert result.exit_code == 0, (args, result.output)


def test_the_environment_template_names_every_variable_the_settings_read():
    source = (ROOT / "src" / "countyhub" / "settings.py").read_text()
    read = set(re.findall(r'(?:os\.environ\.get|_env_bool)\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"DATABASE_URL", "COUNTYHUB_MEDIA_STORAGE", "COUNTYHUB_TRACKING_URLS"} <= read
    template = (DEPLOY / "countyhub.env.example").read_text()
    listed = set(re.findall(r"(?m)^#?([A-Z][A-Z0-9_]*)=", template))
    assert read - listed == set()
    assert listed - read == set()


def test_nginx_refuses_bodies_exactly_above_the_apps_limit():
    rules = (DEPLOY / "nginx" / "countyhub-proxy.conf").read_text()
    limit = re.search(r"(?m)^client_max_body_size (\S+);", rules).group(1)
    assert _size(limit) == settings.COUNTYHUB_MAX_REQUEST_BYTES
    template = (DEPLOY / "countyhub.env.example").read_text()
    assert f"#COUNTYHUB_MAX_REQUEST_BYTES={settings.COUNTYHUB_MAX_REQUEST_BYTES}\n" in template


def test_the_app_servers_keep_idle_connections_longer_than_nginx_does():
    """nginx closes an idle upstream connection before gunicorn would: the other way round, a
    checkout sent on a connection the app was closing got a 502 (nginx does not retry a POST)."""
    argv = web.gunicorn_argv(host="127.0.0.1", port=8001, workers=2, threads=4)
    gunicorn_seconds = int(argv[argv.index("--keep-alive") + 1])
    for site in (DEPLOY / "nginx" / "countyhub.conf", DEPLOY / "compose" / "nginx.conf"):
        upstream = re.search(r"(?ms)^upstream countyhub_app \{.*?^\}", site.read_text()).group(0)
        assert re.search(r"(?m)^\s*keepalive \d+;", upstream), site
        timeout = re.search(r"(?m)^\s*keepalive_timeout (\d+)s;", upstream)
        assert timeout and gunicorn_seconds > int(timeout.group(1)), site


def test_the_systemd_units_run_countyhub_commands_that_exist():
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} == {
        "countyhub-web@.service",
        "countyhub-worker.service",
        "countyhub-beat.service",
    }
    for unit in units:
        text = unit.read_text()
        assert "EnvironmentFile=/etc/countyhub/countyhub.env" in text, unit.name
        exec_start = re.search(r"(?m)^ExecStart=(.*)$", text).group(1)
        program, *args = shlex.split(exec_start.replace("%i", "8001"))
        assert program.endswith("/countyhub"), unit.name
        _countyhub_command_exists(args)


def test_the_compose_file_brings_up_the_whole_stack():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "migrate",
        "app1",
        "app2",
        "worker",
        "beat",
        "nginx",
    }
    for name in ("migrate", "app1", "app2", "worker", "beat"):
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
        assert service["environment"]["DATABASE_URL"].startswith("postgres://")
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:")
    for name in ("app1", "app2", "worker"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
    _countyhub_command_exists(services["migrate"]["command"][1:])
    _countyhub_command_exists(services["worker"]["command"][1:])
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    program, *args = json.loads(re.search(r"(?m)^CMD (.*)$", dockerfile).group(1))
    assert program == "countyhub"
    _countyhub_command_exists(args)
    # Every file mounted from deploy/ is there; nginx runs the production proxy rules.
    mounts = [m for s in services.values() for m in s.get("volumes", []) if m.startswith("./")]
    for mount in mounts:
        assert (DEPLOY / mount.split(":")[0]).is_file(), mount
    assert "./nginx/countyhub-proxy.conf:/etc/nginx/snippets/countyhub-proxy.conf:ro" in mounts
    assert services["nginx"]["ports"] == ["127.0.0.1:8080:80"]


@pytest.mark.skipif(NGINX is None, reason="needs nginx (Debian package nginx, make system)")
def test_nginx_accepts_the_tls_site(tmp_path):
    key, cert = str(tmp_path / "key.pem"), str(tmp_path / "cert.pem")
    openssl = [
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=x",
    ]
    subprocess.run(
        [*openssl, "-keyout", key, "-out", cert],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx" / "countyhub.conf").read_text()
    for placeholder, path in (
        ("/etc/ssl/countyhub/CERTIFICATE_FULLCHAIN.pem", tmp_path / "cert.pem"),
        ("/etc/ssl/countyhub/CERTIFICATE_KEY.pem", tmp_path / "key.pem"),
        ("/etc/nginx/snippets/countyhub-proxy.conf", DEPLOY / "nginx" / "countyhub-proxy.conf"),
        ("/var/log/nginx/", f"{tmp_path}/"),
    ):
        assert placeholder in site
        site = site.replace(placeholder, str(path))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        "events {}\n"
        f"http {{\n    include /etc/nginx/mime.types;\n    include {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
