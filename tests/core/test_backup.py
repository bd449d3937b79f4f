"""`countyhub backup` / `countyhub restore` (issue 19): the database and both file storages in one
archive, restored by the command line into an empty installation and checked against the
manifest; on SQLite and on PostgreSQL, whichever the suite runs on."""

import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.cache.backends.db import DatabaseCache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection

from countyhub.core import backups

COUNTYHUB = str(Path(sys.executable).parent / "countyhub")


@pytest.fixture
def storage_folders(settings, tmp_path):
    """Both file storages in folders of this test's own, with a file in each."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    storages["default"].save("products/tea.jpg", ContentFile(b"\xff\xd8 a picture of tea"))
    storages["private"].save("evidence/receipt.pdf", ContentFile(b"%PDF-1.4 a receipt"))
    return tmp_path


class Target:
    """An empty installation to restore into: a new var folder and a new database."""

    def __init__(self, root: Path) -> None:
        self.var = root / "restored"
        self.var.mkdir()
        self.database = ""
        if connection.vendor == "postgresql":
            self.database = f"restore_{uuid.uuid4().hex[:12]}"
            with self._maintenance() as admin:
                admin.execute(f'CREATE DATABASE "{self.database}"')

    def _maintenance(self) -> psycopg.Connection:
        conf = connection.settings_dict
        return psycopg.connect(
            dbname="postgres",
            host=conf["HOST"] or None,
            port=conf["PORT"] or None,
            user=conf["USER"] or None,
            password=conf["PASSWORD"] or None,
            autocommit=True,
        )

    def environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("COUNTYHUB_MEDIA_ROOT", "COUNTYHUB_PRIVATE_ROOT", "DATABASE_URL")
        }
        env |= {"DJANGO_DEBUG": "1", "COUNTYHUB_VAR_DIR": str(self.var)}
        if self.database:
            conf = connection.settings_dict
            env["DATABASE_URL"] = (
                f"postgres://{conf['USER']}@{conf['HOST'] or 'localhost'}:{conf['PORT'] or 5432}"
                f"/{self.database}"
            )
        return env

    def restore(self, archive: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [COUNTYHUB, "restore", str(archive)],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=600,
        )

    def row_counts(self) -> dict[str, int]:
        if self.database:
            conf = connection.settings_dict
            with psycopg.connect(
                dbname=self.database, host=conf["HOST"] or None, user=conf["USER"] or None
            ) as restored:
                tables = [
                    row[0]
                    for row in restored.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                    )
                ]
                return {
                    t: restored.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables
                }
        restored = sqlite3.connect(self.var / "countyhub.sqlite3")
        try:
            tables = [
                row[0]
                for row in restored.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            return {
                t: restored.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables
            }
        finally:
            restored.close()

    def drop(self) -> None:
        if self.database:
            with self._maintenance() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    made = Target(tmp_path)
    yield made
    made.drop()


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_whole_into_an_empty_installation(world, storage_folders, target):
    # The shared cache's rows are rebuilt on demand: the archive keeps its table, not its rows.
    DatabaseCache("countyhub_cache", {}).set("pagecache:catalog-version", 7)
    archive = storage_folders / "county.tar.gz"
    manifest = backups.create_backup(archive)
    assert manifest.tables["catalog_product"] == 2
    assert manifest.tables["countyhub_cache"] == 0
    assert manifest.tables["core_membership"] >= len(world.users) - 1
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "media/products/tea.jpg", "private/evidence/receipt.pdf"} <= names

    done = target.restore(archive)

    assert done.returncode == 0, done.stderr
    assert f"Restored and verified {len(manifest.tables)} tables and 2 files" in done.stdout
    assert target.row_counts() == manifest.tables
    assert manifest.tables == backups.table_row_counts() | {"countyhub_cache": 0}
    restored = target.var / "media" / "products" / "tea.jpg"
    assert restored.read_bytes() == b"\xff\xd8 a picture of tea"
    receipt = target.var / "private" / "evidence" / "receipt.pdf"
    assert receipt.read_bytes() == b"%PDF-1.4 a receipt"


@pytest.mark.django_db(transaction=True)
def test_a_restore_refuses_a_database_that_holds_data(world, storage_folders, target):
    archive = storage_folders / "county.tar.gz"
    backups.create_backup(archive)
    assert target.restore(archive).returncode == 0
    before = target.row_counts()

    again = target.restore(archive)

    assert again.returncode == 2
    assert "is not empty; restore into an empty database" in again.stderr
    assert target.row_counts() == before


@pytest.mark.django_db(transaction=True)
def test_a_restore_that_differs_from_its_manifest_is_reported(world, storage_folders, target):
    archive = storage_folders / "county.tar.gz"
    backups.create_backup(archive)
    # A backup damaged after it was written: a file's bytes changed, its manifest not.
    tampered = storage_folders / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as copy:
        for member in source.getmembers():
            data = source.extractfile(member)
            if member.name == "media/products/tea.jpg":
                body = b"something else"
                member.size = len(body)
                copy.addfile(member, io.BytesIO(body))
            else:
                copy.addfile(member, data)

    done = target.restore(tampered)

    assert done.returncode == 1
    assert "file media/products/tea.jpg: its content differs from the backup's" in done.stderr


@pytest.mark.django_db(transaction=True)
def test_a_backup_never_overwrites_and_a_non_backup_is_named(world, storage_folders, target):
    archive = storage_folders / "county.tar.gz"
    archive.write_bytes(b"an earlier file")
    with pytest.raises(backups.BackupError, match="exists already"):
        backups.create_backup(archive)
    assert archive.read_bytes() == b"an earlier file"

    done = target.restore(archive)

    assert done.returncode == 2
    assert "is not a countyhub backup" in done.stderr


def test_a_backup_inside_an_open_transaction_is_refused_at_once(db, tmp_path):
    with pytest.raises(backups.BackupError, match="inside an open transaction"):
        backups.create_backup(tmp_path / "county.tar.gz")
    assert not (tmp_path / "county.tar.gz").exists()


def test_an_sqlite_database_locked_by_a_stuck_process_fails_the_backup_in_time(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(backups, "SQLITE_LOCK_TIMEOUT", 0.3)
    path = tmp_path / "county.sqlite3"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (a)")
    stuck = sqlite3.connect(path, isolation_level=None)
    stuck.execute("BEGIN EXCLUSIVE")
    source, copy = sqlite3.connect(path), sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        with pytest.raises(backups.BackupError, match="locked by another connection"):
            source.backup(copy, progress=backups._give_up_when_locked_too_long(), sleep=0.05)
    finally:
        stuck.rollback()
        for db in (stuck, source, copy):
            db.close()
