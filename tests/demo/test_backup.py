"""The demo county, built and committed by `countyhub demo` as a user's machine holds it, backs up
and restores whole into a fresh installation through the command line (issue 19).

The session's `demo_county` cannot serve here: it lives in a transaction that is never committed,
and no backup can copy rows that are not committed (SQLite's backup API waits on that
transaction's lock; pg_dump does not see them)."""

import json
import os
import sqlite3
import subprocess
import tarfile
from pathlib import Path

import pytest
from django.db import connection

from tests.core.test_backup import COUNTYHUB


def run(args: list[str], var: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COUNTYHUB_MEDIA_ROOT", "COUNTYHUB_PRIVATE_ROOT", "DATABASE_URL", "REDIS_URL")
    }
    env |= {"DJANGO_DEBUG": "1", "COUNTYHUB_VAR_DIR": str(var)}
    return subprocess.run([COUNTYHUB, *args], env=env, capture_output=True, text=True, timeout=1200)


def row_counts(database: Path) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_the_demo_backs_up_and_restores_whole(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the demo is built on the embedded SQLite default; once per CI run is enough")
    built, restored = tmp_path / "built", tmp_path / "restored"
    demo = run(["demo", "--no-serve"], built)
    assert demo.returncode == 0, demo.stderr
    archive = tmp_path / "demo.tar.gz"
    backup = run(["backup", str(archive)], built)
    assert backup.returncode == 0, backup.stderr
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["tables"]["shop_order"] > 1000
    media = [name for name in manifest["files"] if name.startswith("media/")]
    assert len(media) > 10

    restore = run(["restore", str(archive)], restored)

    assert restore.returncode == 0, restore.stderr
    database = "countyhub.sqlite3"
    assert row_counts(restored / database) == manifest["tables"] == row_counts(built / database)
    for name in media:
        assert (restored / name).read_bytes() == (built / name).read_bytes(), name
