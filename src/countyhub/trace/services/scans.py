"""Scans: each scan of a lot or serial link counted, and the version its trace page is
cached under."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import psycopg
from django.db import IntegrityError, connection
from django.utils import timezone

from countyhub.core import metrics
from countyhub.trace import selectors
from countyhub.trace.models import Batch, Scan, SerialisedUnit


def _coarse(value: Any, limit: int) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (ArithmeticError, ValueError):
        return None
    if not number.is_finite() or abs(number) > limit:
        return None
    return number.quantize(Decimal("0.1"))


def _position(latitude: Any, longitude: Any) -> tuple[Decimal, Decimal] | tuple[None, None]:
    """The scan's place, coarsened to 0.1 degree (about 10 km); none unless both are valid."""
    lat, lon = _coarse(latitude, 90), _coarse(longitude, 180)
    return (None, None) if lat is None or lon is None else (lat, lon)


def record_scan(*, batch_id: int, latitude: Any = None, longitude: Any = None) -> None:
    """Count one scan: one INSERT (no read, no lock, no model machinery), so bursts lose
    nothing and cost little."""
    lat, lon = _position(latitude, longitude)
    table = Scan._meta.db_table
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (batch_id, scanned_at, latitude, longitude) "
                "VALUES (%s, %s, %s, %s)",
                [batch_id, timezone.now(), lat, lon],
            )
    except IntegrityError:  # the batch vanished between the read and the insert
        return
    metrics.TRACE_SCANS.inc()


@dataclass(frozen=True)
class ScannedBatch:
    """The batch a scanned link names, and the version of what its trace page shows."""

    batch_id: int
    version: int


def record_link_scan(
    *,
    gtin: str,
    lot: str | None = None,
    serial: str | None = None,
    latitude: Any = None,
    longitude: Any = None,
) -> ScannedBatch | None:
    """Count one scan of a lot link (`gtin` + `lot`) or serial link (`gtin` + `serial`) and
    return its batch with the version the trace page is cached under; None, counting nothing,
    when no batch has this code.

    The version is Batch.version: append_events moves it with every append, and database
    triggers with any other write of the batch row or its events (also a direct one in psql),
    never back to a value a page was cached under; so a tampered record is never served from
    cache as authentic: the page is rebuilt and its chain verified again. On PostgreSQL the
    scan is one statement, one round trip: the scan INSERT and the version read share a CTE.
    Elsewhere (SQLite) the version is read with selectors.page_version and the scan is a second
    statement."""
    if connection.vendor != "postgresql":
        found = (
            selectors.page_version(gtin=gtin, lot=lot)
            if lot is not None
            else selectors.page_version(gtin=gtin, serial=serial or "")
        )
        if found is None:
            return None
        record_scan(batch_id=found[0], latitude=latitude, longitude=longitude)
        return ScannedBatch(batch_id=found[0], version=found[1])
    lat, lon = _position(latitude, longitude)
    sql = _scan_sql(by_lot=lot is not None)
    params = [gtin, lot if lot is not None else serial, timezone.now(), lat, lon]
    # What connection.cursor() does before handing out a cursor.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    # A server-side prepared statement: planning this statement cost PostgreSQL more than
    # running it (0.15 of 0.25 ms per scan in a burst). Django's cursors bind parameters
    # client-side and never prepare, so this one statement goes through psycopg's own cursor on
    # Django's connection (same transaction; errors still become django.db errors; it is not in
    # Django's debug query log). Django turns psycopg's preparing off (prepare_threshold None)
    # for transaction-pooling proxies unless the database OPTIONS say otherwise; a threshold no
    # query reaches lets prepare=True prepare this statement alone. An explicit
    # prepare_threshold in OPTIONS is left as it is: DATABASE_POOLER=pgbouncer sets None (never
    # prepare), since behind PgBouncer in transaction mode the next scan may run on a server
    # connection that never saw the statement (tests/deploy/test_replica_pooler.py).
    raw = connection.connection
    if "prepare_threshold" not in connection.settings_dict["OPTIONS"]:
        raw.prepare_threshold = sys.maxsize
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=True)
        row = cursor.fetchone()
    if row is None:
        return None
    metrics.TRACE_SCANS.inc()
    return ScannedBatch(batch_id=row[0], version=row[1])


@cache
def _scan_sql(*, by_lot: bool) -> str:
    """record_link_scan's statement on PostgreSQL, for a lot link or a serial link."""
    batch, unit, scan = (m._meta.db_table for m in (Batch, SerialisedUnit, Scan))
    join, condition = "", "b.lot = %s"
    if not by_lot:
        join, condition = f"JOIN {unit} u ON u.batch_id = b.id", "u.serial = %s"
    return (
        f"WITH target AS (SELECT b.id, b.version FROM {batch} b {join} "
        # A serial may repeat across batches of one GTIN: the newest batch, as batch_for_serial.
        f"WHERE b.gtin = %s AND {condition} ORDER BY b.created_at DESC, b.id DESC LIMIT 1), "
        f"counted AS (INSERT INTO {scan} (batch_id, scanned_at, latitude, longitude) "
        "SELECT id, %s::timestamptz, %s::numeric, %s::numeric FROM target) "
        "SELECT id, version FROM target"
    )
