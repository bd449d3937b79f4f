"""Importing a marketplace order export against a plain COPY of the same rows.

Writes an N-row Taobao-style order export (one order per row, 50 products, GBK), imports it
with `countyhub.channels.services.import_order_file` (parsing, product matching, allocation,
orders, lines, payments, events, channel links, audit) on PostgreSQL, and in the same run loads
the same file with `COPY ... FROM STDIN (FORMAT csv)` into a table of text columns (best of
three). Prints both times, the ratio, orders per second, and the peak memory of the import
(tracemalloc, in runs of their own as it slows the import down) at N/10 and N rows, to see
whether memory grows with the file.

It also prints the floor: the records the N-row import wrote (checkouts, orders, lines,
payments, events, channel links, audit entries), dumped and loaded again with COPY into copies
of their tables in a scratch schema, with the same indexes, CHECK and foreign-key constraints,
in one transaction; no import writing those records can take less than that.

    python bench/bench_channels.py [--rows 100000]

BENCH_DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/test; a fresh county is made
in it each run (the tables are migrated if needed).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/test"
HEADER = ["订单编号", "买家会员名", "商家编码", "购买数量", "收货人姓名", "收货地址"]


def order_file(rows: int, skus: list[str], start: int) -> bytes:
    lines = [",".join(HEADER)]
    for n in range(rows):
        number = 3_700_000_000_000_000_000 + start + n
        lines.append(f"{number},tb{n},{skus[n % len(skus)]},1,买家{n},浙江省 杭州市 ****")
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def setup() -> None:
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "countyhub.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # DJANGO_DEBUG only gives the bench a settings module that runs here; DEBUG's query log
    # keeps every statement's SQL with its parameters, which production never does and which
    # would be measured as the import's memory.
    settings.DEBUG = False

    call_command("migrate", interactive=False, verbosity=0)


def world() -> tuple[object, list[str]]:
    from tests.factories.catalog import ProductFactory, SellerFactory
    from tests.factories.core import CountyFactory

    from countyhub.channels.models import Channel

    county = CountyFactory(slug=f"bench-{time.time_ns()}")
    seller = SellerFactory(county=county)
    skus = []
    for n in range(50):
        product = ProductFactory(county=county, seller=seller, stock=10_000_000)
        product.seller_sku = f"B-{n:03d}"
        product.save(update_fields=["seller_sku"])
        skus.append(product.seller_sku)
    channel = Channel.objects.create(
        county=county, code="taobao", name="淘宝", kind="marketplace", platform="taobao"
    )
    return channel, skus


def timed_import(channel: object, data: bytes, *, traced: bool) -> tuple[float, int, int]:
    """Seconds, orders imported, and the peak memory when `traced` (tracemalloc slows
    allocation-heavy code down, so times are taken from untraced runs)."""
    from countyhub.channels.services import import_order_file

    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    report = import_order_file(
        channel=channel, actor=None, upload=io.BytesIO(data), filename="orders.csv"
    )
    seconds = time.perf_counter() - started
    peak = 0
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert not report.problems, report.problems[:3]
    return seconds, report.imported, peak


def timed_copy(data: bytes) -> float:
    return min(_timed_copy(data) for _ in range(3))


def _timed_copy(data: bytes) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_copy (external_id text, buyer text, sku text, "
            "quantity text, recipient text, address text)"
        )
        started = time.perf_counter()
        raw = connection.connection.cursor()
        with raw.copy(
            "COPY bench_copy FROM STDIN (FORMAT csv, HEADER true, ENCODING 'GBK')"
        ) as copy:
            copy.write(data)
        seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_copy")
        assert cursor.fetchone()[0] == data.count(b"\r\n") - 1
        cursor.execute("DROP TABLE bench_copy")
    return seconds


def _written_tables() -> list[tuple[str, str]]:
    """(table, which of its rows the last import wrote), parents first."""
    from countyhub.channels.models import ChannelOrder
    from countyhub.core.models import AuditEntry
    from countyhub.shop.models import Checkout, Order, OrderEvent, OrderLine, Payment

    mine = "SELECT order_id FROM bench_floor_orders"
    return [
        (
            Checkout._meta.db_table,
            f"id IN (SELECT checkout_id FROM {Order._meta.db_table} WHERE id IN ({mine}))",
        ),
        (Order._meta.db_table, f"id IN ({mine})"),
        *((model._meta.db_table, f"order_id IN ({mine})") for model in (OrderLine, Payment)),
        (OrderEvent._meta.db_table, f"order_id IN ({mine})"),
        (ChannelOrder._meta.db_table, f"order_id IN ({mine})"),
        (
            AuditEntry._meta.db_table,
            f"action = 'order.imported' AND object_id IN (SELECT order_id::text FROM ({mine}) o)",
        ),
    ]


def timed_floor(channel: object) -> tuple[float, int]:
    """Seconds to COPY the last import's records into indexed, constrained copies of their
    tables, and how many rows that is."""
    from django.db import connection, transaction

    from countyhub.channels.models import ChannelOrder

    last = ChannelOrder.objects.filter(channel=channel).latest("imported_at").imported_at
    dumps: list[tuple[str, bytes]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_floor_orders AS SELECT order_id FROM "
            f"{ChannelOrder._meta.db_table} WHERE channel_id = %s AND imported_at = %s",
            [channel.pk, last],
        )
        for table, where in _written_tables():
            with cursor.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT") as copy:
                dumps.append((table, b"".join(bytes(block) for block in copy)))
        cursor.execute("DROP TABLE bench_floor_orders")
        # The scratch tables first, then their foreign keys: with the scratch schema first on
        # the search path, a key to a table written here points at its scratch copy.
        cursor.execute("DROP SCHEMA IF EXISTS bench_floor CASCADE; CREATE SCHEMA bench_floor")
        for table, _ in dumps:
            cursor.execute(f"CREATE TABLE bench_floor.{table} (LIKE public.{table} INCLUDING ALL)")
        cursor.execute("SET search_path = bench_floor, public")
        for table, _ in dumps:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [f"public.{table}"],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(
                    f"ALTER TABLE bench_floor.{table} ADD CONSTRAINT {name} {definition}"
                )
        started = time.perf_counter()
        with transaction.atomic():
            for table, data in dumps:
                with cursor.copy(f"COPY bench_floor.{table} FROM STDIN") as copy:
                    copy.write(data)
        seconds = time.perf_counter() - started
        cursor.execute("SET search_path = public; DROP SCHEMA bench_floor CASCADE")
    return seconds, sum(data.count(b"\n") for _, data in dumps)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    setup()
    channel, skus = world()
    small = order_file(rows // 10, skus, start=10_000_000)
    small_seconds, _, _ = timed_import(channel, small, traced=False)
    _, _, small_peak = timed_import(
        channel, order_file(rows // 10, skus, start=20_000_000), traced=True
    )
    data = order_file(rows, skus, start=0)
    copy_seconds = timed_copy(data)
    import_seconds, imported, _ = timed_import(channel, data, traced=False)
    floor_seconds, floor_rows = timed_floor(channel)
    _, _, peak = timed_import(channel, order_file(rows, skus, start=30_000_000), traced=True)
    print(f"rows                 {rows:>12,}")
    print(f"COPY                 {copy_seconds:>12.2f} s")
    print(
        f"import               {import_seconds:>12.2f} s"
        f"  ({imported / import_seconds:,.0f} orders/s)"
    )
    print(f"import / COPY        {import_seconds / copy_seconds:>12.1f} x")
    print(
        f"floor                {floor_seconds:>12.2f} s"
        f"  (COPY of the import's {floor_rows:,} records into their indexed tables,"
        f" {floor_seconds / copy_seconds:.1f}x the plain COPY)"
    )
    print(f"import / floor       {import_seconds / floor_seconds:>12.1f} x")
    print(f"import {rows // 10:>7,} rows    {small_seconds:>12.2f} s")
    print(f"peak memory {rows // 10:>7,} rows {small_peak / 2**20:>8.1f} MiB")
    print(f"peak memory {rows:>7,} rows {peak / 2**20:>8.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
