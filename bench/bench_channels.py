"""Importing a marketplace order export against a plain COPY of the same rows.

Writes an N-row Taobao-style order export (one order per row, 50 products, GBK), imports it
with `countyhub.channels.services.import_order_file` (parsing, product matching, allocation,
orders, lines, payments, events, channel links, audit) on PostgreSQL, and in the same run loads
the same file with `COPY ... FROM STDIN (FORMAT csv)` into a table of text columns. Prints both
times, the ratio, orders per second, and the peak memory of the import (tracemalloc) at N/10
and N rows, to see whether memory grows with the file.

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


def timed_import(channel: object, data: bytes) -> tuple[float, int, int]:
    from countyhub.channels.services import import_order_file

    tracemalloc.start()
    started = time.perf_counter()
    report = import_order_file(
        channel=channel, actor=None, upload=io.BytesIO(data), filename="orders.csv"
    )
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert not report.problems, report.problems[:3]
    return seconds, report.imported, peak


def timed_copy(data: bytes) -> float:
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    setup()
    channel, skus = world()
    small = order_file(rows // 10, skus, start=10_000_000)
    small_seconds, _, small_peak = timed_import(channel, small)
    data = order_file(rows, skus, start=0)
    copy_seconds = timed_copy(data)
    import_seconds, imported, peak = timed_import(channel, data)
    print(f"rows                 {rows:>12,}")
    print(f"COPY                 {copy_seconds:>12.2f} s")
    print(
        f"import               {import_seconds:>12.2f} s"
        f"  ({imported / import_seconds:,.0f} orders/s)"
    )
    print(f"import / COPY        {import_seconds / copy_seconds:>12.1f} x")
    print(
        f"peak memory {rows // 10:>7,} rows {small_peak / 2**20:>8.1f} MiB  ({small_seconds:.2f} s)"
    )
    print(f"peak memory {rows:>7,} rows {peak / 2**20:>8.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
