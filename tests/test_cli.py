import os
import subprocess
import sys

import pytest


def run_cli(
    *args: str, env: dict[str, str] | None = None, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "-m", "countyhub.cli", *args],
        capture_output=True,
        text=True,
        env={**environment, **(env or {})},
        check=False,
    )


def test_help_lists_the_command_families():
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for command in ("demo", "serve", "manage", "analyze"):
        assert command in result.stdout


def test_start_up_imports_neither_django_nor_plotting():
    code = (
        "import sys, countyhub.cli;"
        "heavy = [m for m in ('django', 'matplotlib', 'pandas', 'scipy') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_manage_check_passes(debug, tmp_path):
    env = {
        "DJANGO_DEBUG": debug,
        "DJANGO_SECRET_KEY": "x" * 64 + "-test-only-secret-key-value",
        "COUNTYHUB_VAR_DIR": str(tmp_path),
    }
    args = ["manage", "check"] + (["--deploy", "--fail-level", "WARNING"] if debug == "0" else [])
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_defaults_plus_a_secret_key_pass_the_deploy_check(tmp_path):
    env = {
        "DJANGO_SECRET_KEY": "x" * 64 + "-test-only-secret-key-value",
        "COUNTYHUB_VAR_DIR": str(tmp_path),
    }
    result = run_cli(
        "manage", "check", "--deploy", "--fail-level", "WARNING", env=env, unset=("DJANGO_DEBUG",)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_cli(
        "manage",
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env=env,
        unset=("DJANGO_DEBUG",),
    )
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_without_a_secret_key_only_development_starts(tmp_path):
    result = run_cli(
        "manage",
        "check",
        env={"COUNTYHUB_VAR_DIR": str(tmp_path)},
        unset=("DJANGO_DEBUG", "DJANGO_SECRET_KEY"),
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "", "COUNTYHUB_VAR_DIR": str(tmp_path)}
    result = run_cli("manage", "check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_an_empty_database_url_means_the_embedded_default(tmp_path):
    env = {"DATABASE_URL": "", "COUNTYHUB_VAR_DIR": str(tmp_path)}
    result = run_cli("manage", "migrate", "--plan", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "countyhub.sqlite3").exists()
