"""A database built by the release before the stations app (its demo, made by
make_old_demo.sh) migrates without loss: one station per village that had one, with what
programs knew of it; the same orders, buyer profiles, containers and parcels; every order,
buyer's default, received container and operator at their village's station.

On SQLite the old file itself is migrated. On PostgreSQL (DATABASE_URL=postgres://...) a scratch
database is migrated to the state the old file records, filled with the file's rows, and then
migrated to the end."""

import json
import lzma
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import requires_postgres

OLD_DEMO = Path(__file__).with_name("demo_37a6784.sqlite3.xz")
# Rows that must all survive: orders and their lines, buyers' defaults, cases and pallets,
# parcels (shipments and the batches they carried), households, people's roles, the audit log.
KEPT_TABLES = (
    "shop_order",
    "shop_orderline",
    "shop_buyerprofile",
    "shop_shipment",
    "trace_container",
    "trace_batchshipment",
    "trace_traceevent",
    "catalog_household",
    "core_membership",
    "core_auditentry",
)
DETAILS = "operator_name, address, opening_hours, services, latitude, longitude, opened_on"

Run = Callable[[str], list[tuple]]


def _details(rows: list[tuple]) -> dict[int, tuple]:
    """Station details by village, alike whether SQLite or PostgreSQL read them."""

    def services(value):
        return json.loads(value) if isinstance(value, str) else value

    def degrees(value):
        return Decimal(str(value)).quantize(Decimal("0.000001"))

    return {
        village: (name, address, hours, services(offered), degrees(lat), degrees(lon), str(day))
        for village, name, address, hours, offered, lat, lon, day in rows
    }


def facts_before(run: Run) -> dict[str, object]:
    return {
        "stations": {
            village: bool(active)
            for village, active in run(
                "SELECT v.id, v.has_service_station OR COALESCE(s.active, 0) FROM core_village v "
                "LEFT JOIN programs_servicestation s ON s.village_id = v.id "
                "WHERE v.has_service_station OR s.id IS NOT NULL"
            )
        },
        "details": _details(run(f"SELECT village_id, {DETAILS} FROM programs_servicestation")),
        "counts": {table: run(f"SELECT COUNT(*) FROM {table}")[0][0] for table in KEPT_TABLES},
        "orders": dict(run("SELECT id, station_id FROM shop_order")),
        "buyer profiles": dict(run("SELECT id, station_id FROM shop_buyerprofile")),
        "containers": dict(run("SELECT id, received_station_id FROM trace_container")),
        "operators": dict(
            run("SELECT id, village_id FROM core_membership WHERE role = 'station_operator'")
        ),
    }


def facts_after(run: Run) -> dict[str, object]:
    def village_of(table: str, column: str, where: str = "") -> dict[int, int | None]:
        return dict(
            run(
                f"SELECT t.id, s.village_id FROM {table} t "
                f"LEFT JOIN stations_station s ON s.id = t.{column} {where}"
            )
        )

    return {
        "stations": {
            village: bool(active)
            for village, active in run("SELECT village_id, active FROM stations_station")
        },
        "details": _details(
            run(f"SELECT village_id, {DETAILS} FROM stations_station WHERE latitude IS NOT NULL")
        ),
        "counts": {table: run(f"SELECT COUNT(*) FROM {table}")[0][0] for table in KEPT_TABLES},
        "orders": village_of("shop_order", "station_id"),
        "buyer profiles": village_of("shop_buyerprofile", "station_id"),
        "containers": village_of("trace_container", "received_station_id"),
        "operators": village_of("core_membership", "station_id", "WHERE role = 'station_operator'"),
        "last station": run("SELECT MAX(id) FROM stations_station")[0][0],
    }


def _sqlite(path: Path) -> Run:
    def run(sql: str) -> list[tuple]:
        with closing(sqlite3.connect(path)) as database:
            return database.execute(sql).fetchall()

    return run


def _manage(database_url: str, *args: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "countyhub.settings",
    }
    subprocess.run([sys.executable, "-m", "django", *args], env=env, check=True, timeout=600)


def _open_a_station_in(execute: Callable[[str], int]) -> int:
    """A station opened after the move, in a village that has none: its new number."""
    return execute(
        "INSERT INTO stations_station (created_at, updated_at, county_id, village_id, "
        "operator_name, address, opening_hours, services, active) "
        "SELECT created_at, created_at, county_id, id, '', '', '', '[]', TRUE FROM core_village "
        "WHERE id NOT IN (SELECT village_id FROM stations_station) ORDER BY id LIMIT 1"
    )


@pytest.fixture(scope="module")
def old_demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("old-demo") / "demo.sqlite3"
    with lzma.open(OLD_DEMO) as packed, path.open("wb") as unpacked:
        shutil.copyfileobj(packed, unpacked)
    return path


@pytest.fixture(scope="module")
def before(old_demo) -> dict[str, object]:
    return facts_before(_sqlite(old_demo))


def _migrated_sqlite(old_demo: Path, folder: Path) -> tuple[dict[str, object], int]:
    path = folder / "migrated.sqlite3"
    shutil.copyfile(old_demo, path)
    _manage(f"sqlite:///{path}", "migrate", "--no-input", "-v", "0")

    def execute(sql: str) -> int:
        with closing(sqlite3.connect(path)) as database, database:
            return database.execute(sql).lastrowid

    return facts_after(_sqlite(path)), _open_a_station_in(execute)


def _migrated_postgresql(old_demo: Path) -> tuple[dict[str, object], int]:
    import psycopg

    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"h_old_demo_{os.getpid()}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    try:
        url = f"{server}/{name}"
        old = _sqlite(old_demo)
        # The schema as the old release left it: each app at the last migration the file records.
        targets = old("SELECT app, MAX(name) FROM django_migrations GROUP BY app")
        _manage(url, "shell", "-c", _MIGRATE_TO.format(targets=targets))
        with psycopg.connect(url) as database:
            _copy_rows(old, old_demo, database)
        _manage(url, "migrate", "--no-input", "-v", "0")
        with psycopg.connect(url) as database:

            def run(sql: str) -> list[tuple]:
                return database.execute(sql).fetchall()

            def execute(sql: str) -> int:
                return database.execute(sql + " RETURNING id").fetchone()[0]

            return facts_after(run), _open_a_station_in(execute)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


_MIGRATE_TO = (
    "from django.db import connection\n"
    "from django.db.migrations.executor import MigrationExecutor\n"
    "MigrationExecutor(connection).migrate({targets})"
)


def _copy_rows(old: Run, path: Path, database) -> None:
    """Every row of the old file into the same tables, cast to the PostgreSQL column types;
    Django's foreign keys are deferred, so the order of tables does not matter."""
    database.execute("SET TIME ZONE 'UTC'")
    tables = [
        row[0]
        for row in old("SELECT name FROM sqlite_master WHERE type = 'table'")
        if row[0] not in ("django_migrations", "sqlite_sequence")
    ]
    for table in tables:
        types = dict(
            database.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = %s",
                (table,),
            ).fetchall()
        )
        with closing(sqlite3.connect(path)) as source:
            cursor = source.execute(f"SELECT * FROM {table}")
            columns = [column[0] for column in cursor.description]
            rows = [
                [None if value is None else str(value) for value in row]
                for row in cursor.fetchall()
            ]
        if not rows:
            continue
        casts = ", ".join(f"%s::{types[column]}" for column in columns)
        names = ", ".join(f'"{column}"' for column in columns)
        with database.cursor() as cursor:
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({casts})', rows)
        if "id" in columns:
            database.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT MAX(id) FROM "{table}"))'
            )
    database.commit()


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=[requires_postgres, pytest.mark.slow])],
)
def after(request, old_demo, tmp_path_factory) -> tuple[dict[str, object], int]:
    if request.param == "sqlite":
        return _migrated_sqlite(old_demo, tmp_path_factory.mktemp("migrated"))
    return _migrated_postgresql(old_demo)


def test_one_station_per_village_that_had_one(before, after):
    facts, _new = after
    assert before["stations"] and facts["stations"] == before["stations"]


def test_stations_keep_what_programs_knew_of_them(before, after):
    facts, _new = after
    assert before["details"] and facts["details"] == before["details"]


def test_orders_profiles_containers_and_parcels_are_all_there(before, after):
    facts, _new = after
    counts = before["counts"]
    assert counts["shop_order"] and counts["trace_container"] and counts["shop_buyerprofile"]
    assert facts["counts"] == counts


@pytest.mark.parametrize("what", ["orders", "buyer profiles", "containers", "operators"])
def test_each_points_at_the_station_of_the_village_it_pointed_at(before, after, what):
    facts, _new = after
    assert any(before[what].values()) and facts[what] == before[what]


def test_a_station_opened_later_gets_a_number_of_its_own(before, after):
    facts, new = after
    assert new > facts["last station"]
