"""Back up a county's installation into one archive and restore it into an empty one.

The archive (a gzipped tar) holds the database (PostgreSQL's `pg_dump` custom format, or a copy
made with SQLite's online backup API, consistent while the site runs), the uploaded files of both
file storages (public media and the private evidence documents), and `manifest.json`: every
table's row count and every file's SHA-256. A restore refuses a target that holds data, and then
checks the restored database and files against the manifest, so a backup that cannot be restored
whole is found when it is restored, not trusted.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage, storages
from django.db import connection, transaction

import countyhub

MANIFEST = "manifest.json"
FORMAT = 1
# Archive folders for the two file storages, and the settings they are restored to.
STORAGE_FOLDERS = {"media": "default", "private": "private"}

Progress = Callable[[str, int, int], None]  # step, done, total
# SQLite's backup retries a locked database for ever; a writer that holds its lock longer than
# this is a stuck process, not a busy one.
SQLITE_LOCK_TIMEOUT = 60.0
SQLITE_PAGES_PER_STEP = 4096
# Caches: their rows are rebuilt on demand and change by the second; a backup keeps their tables,
# not their rows.
DISPOSABLE_TABLES = frozenset({"countyhub_cache", "countyhub_throttle_cache"})


class BackupError(Exception):
    """A backup or a restore cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    countyhub_version: str
    created_at: str
    vendor: str
    database_member: str
    tables: dict[str, int]
    files: dict[str, str] = field(default_factory=dict)  # archive member -> SHA-256
    skipped_storages: dict[str, str] = field(default_factory=dict)  # folder -> reason
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {data.get('format')!r}; expected {FORMAT}.")
        return cls(**data)


@dataclass
class Verification:
    """What a restore found against the manifest; empty lists mean it is whole."""

    tables_checked: int
    files_checked: int
    mismatches: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _quiet(step: str, done: int, total: int) -> None:
    return None


def table_row_counts(cursor: Any = None) -> dict[str, int]:
    """Every table of the database (Django's, the apps', the migrations record), by name."""
    if cursor is None:
        with connection.cursor() as cursor:
            return table_row_counts(cursor)
    counts: dict[str, int] = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _storage_root(alias: str) -> Path | None:
    """The folder of a file-system storage; None when the storage is elsewhere (object storage)."""
    storage = storages[alias]
    if not isinstance(storage, FileSystemStorage):
        return None
    return Path(storage.location)


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*") if p.is_file())


def _pg_environment() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from the live connection's settings (a test
    database included), the password through the environment, never the command line."""
    conf = connection.settings_dict
    args = ["--dbname", conf["NAME"]]
    if conf.get("HOST"):
        args += ["--host", str(conf["HOST"])]
    if conf.get("PORT"):
        args += ["--port", str(conf["PORT"])]
    if conf.get("USER"):
        args += ["--username", str(conf["USER"])]
    env = {**os.environ}
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(
            f"{command[0]} is not installed; install PostgreSQL's client programs."
        ) from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _dump_database(target: Path) -> tuple[str, dict[str, int]]:
    """Dump the database into `target`; the archive member's name and the row counts of the very
    data dumped (not of the live tables a moment later, while the site keeps selling)."""
    if connection.vendor == "postgresql":
        return "database.dump", _dump_postgresql(target)
    if connection.vendor == "sqlite":
        return "database.sqlite3", _copy_sqlite(target)
    raise BackupError(f"Backing up a {connection.vendor} database is not supported.")


def _dump_postgresql(target: Path) -> dict[str, int]:
    args, env = _pg_environment()
    skipped = [f"--exclude-table-data={table}" for table in DISPOSABLE_TABLES]
    # pg_dump reads the snapshot this transaction exports, so the manifest counts what it dumps.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = table_row_counts(cursor)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                *skipped,
                "--file",
                str(target),
                *args,
            ],
            env,
        )
    return counts | {table: 0 for table in DISPOSABLE_TABLES if table in counts}


def _copy_sqlite(target: Path) -> dict[str, int]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(
            copy, pages=SQLITE_PAGES_PER_STEP, progress=_give_up_when_locked_too_long()
        )
        tables = {
            name
            for (name,) in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        with copy:
            for table in DISPOSABLE_TABLES & tables:
                copy.execute(f'DELETE FROM "{table}"')
        return {
            table: int(copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0])
            for table in sorted(tables)
        }
    finally:
        copy.close()


def _give_up_when_locked_too_long() -> Callable[[int, int, int], None]:
    deadline = time.monotonic() + SQLITE_LOCK_TIMEOUT

    def check(status: int, _remaining: int, _pages: int) -> None:
        nonlocal deadline
        if status in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            if time.monotonic() > deadline:
                raise BackupError(
                    f"The SQLite database stayed locked by another connection for "
                    f"{SQLITE_LOCK_TIMEOUT:.0f} s; stop the process that holds it "
                    f"(a stuck worker or shell) and back up again."
                )
        else:
            deadline = time.monotonic() + SQLITE_LOCK_TIMEOUT

    return check


def create_backup(archive: Path, *, progress: Progress = _quiet) -> Manifest:
    """Write the database, the uploaded files and the manifest into `archive` (.tar.gz)."""
    archive = Path(archive)
    if archive.exists():
        raise BackupError(f"{archive} exists already; choose another name.")
    if connection.in_atomic_block:
        # SQLite would wait for ever on the open transaction's own lock, and pg_dump would miss
        # its rows: a backup is taken from committed data only.
        raise BackupError("A backup cannot be taken inside an open transaction; commit first.")
    with tempfile.TemporaryDirectory() as scratch:
        progress("database", 0, 1)
        dump = Path(scratch) / "database"
        member, tables = _dump_database(dump)
        progress("database", 1, 1)
        manifest = Manifest(
            countyhub_version=countyhub.__version__,
            created_at=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            vendor=connection.vendor,
            database_member=member,
            tables=tables,
        )
        manifest.files[member] = _sha256(dump)
        partial = archive.with_name(archive.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(dump, arcname=member)
            for folder, alias in STORAGE_FOLDERS.items():
                root = _storage_root(alias)
                if root is None:
                    manifest.skipped_storages[folder] = (
                        "not on this machine's disk (object storage): back it up with the "
                        "store's own tools (versioning or replication)"
                    )
                    continue
                paths = list(_files_under(root))
                for done, path in enumerate(paths, 1):
                    name = f"{folder}/{path.relative_to(root).as_posix()}"
                    manifest.files[name] = _sha256(path)
                    tar.add(path, arcname=name)
                    progress(folder, done, len(paths))
            data = manifest.to_json().encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        # A backup interrupted half-way never looks like a finished one.
        partial.rename(archive)
    return manifest


def read_manifest(archive: Path) -> Manifest:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            stream = tar.extractfile(MANIFEST)
            if stream is None:
                raise KeyError(MANIFEST)
            return Manifest.from_json(stream.read().decode())
    except (OSError, tarfile.TarError, KeyError) as error:
        raise BackupError(f"{archive} is not a countyhub backup: {error}") from error


def _database_is_empty() -> bool:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    return not tables


def _occupied_storages() -> list[str]:
    occupied = []
    for alias in STORAGE_FOLDERS.values():
        root = _storage_root(alias)
        if root is not None and next(_files_under(root), None) is not None:
            occupied.append(str(root))
    return occupied


def restore_backup(archive: Path, *, progress: Progress = _quiet) -> Verification:
    """Restore `archive` into the configured database and storages, which must be empty, then
    check them against the manifest."""
    manifest = read_manifest(archive)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"The backup is of a {manifest.vendor} database; the configured one is "
            f"{connection.vendor}. Restore into the same kind of database."
        )
    if not _database_is_empty():
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty; restore into an "
            "empty database (create a new one, or drop this one's tables first)."
        )
    if occupied := _occupied_storages():
        raise BackupError(
            "These file folders are not empty; restore into empty ones: " + ", ".join(occupied)
        )
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(archive, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.isfile() and m.name != MANIFEST]
        for done, member in enumerate(members, 1):
            folder, _sep, rest = member.name.partition("/")
            if member.name == manifest.database_member:
                tar.extract(member, scratch, filter="data")
                progress("database", 0, 1)
                _load_database(Path(scratch) / member.name)
                progress("database", 1, 1)
            elif folder in STORAGE_FOLDERS and rest:
                root = _storage_root(STORAGE_FOLDERS[folder])
                if root is None:
                    continue
                member.name = rest
                tar.extract(member, root, filter="data")
            progress("files", done, len(members))
    return verify_restore(manifest)


def _load_database(dump: Path) -> None:
    if connection.vendor == "postgresql":
        args, env = _pg_environment()
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args, str(dump)],
            env,
        )
        return
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def verify_restore(manifest: Manifest) -> Verification:
    """Compare the live database and storages with the manifest: row counts, file checksums."""
    mismatches = []
    counts = table_row_counts()
    for table, expected in manifest.tables.items():
        found = counts.get(table)
        if found is None:
            mismatches.append(f"table {table}: missing (expected {expected} rows)")
        elif found != expected:
            mismatches.append(f"table {table}: {found} rows, the backup had {expected}")
    files = 0
    for name, digest in manifest.files.items():
        folder, _sep, rest = name.partition("/")
        if folder not in STORAGE_FOLDERS or not rest:
            continue
        root = _storage_root(STORAGE_FOLDERS[folder])
        if root is None:
            continue
        path = root / rest
        files += 1
        if not path.is_file():
            mismatches.append(f"file {name}: missing")
        elif _sha256(path) != digest:
            mismatches.append(f"file {name}: its content differs from the backup's")
    return Verification(
        tables_checked=len(manifest.tables), files_checked=files, mismatches=mismatches
    )


def describe(manifest: Manifest) -> dict[str, Any]:
    """The manifest's summary for the command line."""
    return {
        "created_at": manifest.created_at,
        "countyhub_version": manifest.countyhub_version,
        "database": manifest.vendor,
        "tables": len(manifest.tables),
        "rows": sum(manifest.tables.values()),
        "files": sum(1 for name in manifest.files if name != manifest.database_member),
        "skipped": manifest.skipped_storages,
    }
