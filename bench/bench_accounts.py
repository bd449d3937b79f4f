"""County accounts at scale: the flows table and the accounts of a county with many order lines,
on PostgreSQL, against a plain COPY of the same order lines to CSV (the ceiling), in one run.

    python bench/bench_accounts.py [--lines 1000000] [--rounds 2]

Builds (once per size) a county whose seller sold ``--lines`` order lines in 2025, a tenth of
them refunded in part, in BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/
h_accounts), with generate_series in SQL. Then, alternating ``--rounds`` times so that load from
other jobs falls on both sides alike, each in a fresh process:

- ceiling: the same Django process start-up, then ``COPY (order lines of the county) TO STDOUT
  WITH CSV`` streamed to a file;
- measured: ``countyhub accounts flows --county ... --year 2025 --out FLOWS.csv
  --accounts-json OUT`` (the flows table and the accounts in one streaming pass);
- for comparison (skip with ``--one-pass-only``): the two steps ``countyhub accounts flows ...
  --out FLOWS.csv`` and then ``countyhub analyze accounts FLOWS.csv --json OUT``; the bench
  checks that both give the same flows table and the same accounts document, byte for byte.

Prints wall time and peak resident memory (each process's ru_maxrss) and the ratios; the target
is at most 3x the COPY on both. The commands run from this tree's ``src`` (not whichever copy the
virtualenv's editable install points at).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/h_accounts"
SLUG = "bench-accounts"
BIN = Path(sys.executable).parent

SETUP = """
import django, os, sys
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'countyhub.settings')
django.setup()
from django.core.management import call_command
call_command('migrate', interactive=False, verbosity=0)
from django.db import connection, transaction
from countyhub.core.models import County
n = int(sys.argv[1])
county = County.objects.filter(slug=__SLUG__).first()
with connection.cursor() as cur:
    if county is not None:
        cur.execute("SELECT count(*) FROM shop_orderline l JOIN shop_order o ON o.id = l.order_id "
                    "WHERE o.county_id = %s", [county.pk])
        if cur.fetchone()[0] == n:
            print('ready'); raise SystemExit
        raise SystemExit('the bench county exists with another size: drop the database first')
from decimal import Decimal
import datetime as dt
from zoneinfo import ZoneInfo
from tests.factories.catalog import ProductFactory, SellerFactory
from tests.factories.core import CountyFactory, UserFactory
from tests.factories.programs import make_order
from countyhub.shop.models import Order, Payment, PaymentStatus, Refund, BuyerProfile
county = CountyFactory(slug=__SLUG__)
seller = SellerFactory(county=county)
product = ProductFactory(county=county, seller=seller, produced_in_county=True)
buyer = UserFactory()
BuyerProfile.objects.create(user=buyer, buyer_kind='household')
template = make_order(seller, day=dt.date(2025, 1, 1), buyer=buyer)
template.lines.create(product=product, product_name='bench', unit=product.unit, quantity=1,
                      unit_price=Decimal('100.00'), line_total=Decimal('100.00'))
Payment.objects.filter(order=template).update(received_at=dt.datetime(2025, 1, 1, 10,
                                              tzinfo=ZoneInfo('Asia/Shanghai')))

def columns(table):
    cur.execute("SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND column_name <> 'id' ORDER BY ordinal_position", [table])
    return [r[0] for r in cur.fetchall()]

with transaction.atomic(), connection.cursor() as cur:
    order_cols = columns('shop_order')
    select = [
        "'B' || lpad(g::text, 9, '0')" if c == 'number'
        else "o.placed_at + (g %% 360) * interval '1 day'" if c == 'placed_at'
        else "(CASE WHEN g %% 3 = 0 THEN '110105' ELSE '' END)" if c == 'region_code'
        else f'o.{c}'
        for c in order_cols
    ]
    cur.execute(f"INSERT INTO shop_order ({', '.join(order_cols)}) SELECT {', '.join(select)} "
                f"FROM shop_order o, generate_series(2, %s) g WHERE o.id = %s", [n, template.pk])
    for table, key in (('shop_orderline', 'order_id'), ('shop_payment', 'order_id')):
        cols = columns(table)
        select = [
            'b.id' if c == key
            else "b.placed_at" if c == 'received_at'
            else f't.{c}' for c in cols
        ]
        cur.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(select)} "
                    f"FROM {table} t, shop_order b WHERE t.{key} = %s AND b.number LIKE 'B%%'",
                    [template.pk])
    cols = columns('shop_refund')
    values = {
        'order_id': 'b.id', 'amount': '30.00', 'currency': "'CNY'", 'method': "b.payment_method",
        'reference': "''", 'refunded_by_id': 'NULL',
        'refunded_at': "b.placed_at + interval '2 days'",
        'note': "''", 'created_at': 'now()', 'updated_at': 'now()',
    }
    cur.execute(f"INSERT INTO shop_refund ({', '.join(cols)}) SELECT "
                f"{', '.join(values[c] for c in cols)} FROM shop_order b "
                "WHERE b.number LIKE 'B%%' AND right(b.number, 1) = '7'")
    cur.execute('ANALYZE')
print('built')
""".replace("__SLUG__", repr(SLUG))

COPY = """
import django, os, sys
os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'countyhub.settings')
django.setup()
from django.db import connection
from countyhub.core.models import County
county = County.objects.get(slug=__SLUG__)
with open(sys.argv[1], 'wb') as out, connection.cursor() as cur:
    sql = ('COPY (SELECT l.* FROM shop_orderline l JOIN shop_order o ON o.id = l.order_id '
           'WHERE o.county_id = %s) TO STDOUT WITH CSV HEADER' % county.pk)
    with cur.cursor.copy(sql) as copy:
        for block in copy:
            out.write(block)
""".replace("__SLUG__", repr(SLUG))


def run(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (kB) of one child process."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: exec, so ru_maxrss below is this command's own
        os.execve(argv[0], argv, env)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return elapsed, usage.ru_maxrss


def _same(a: Path, b: Path) -> str:
    return "identical" if a.read_bytes() == b.read_bytes() else "DIFFERENT"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)  # 1,000,000 for the issue
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--one-pass-only", action="store_true", help="skip the two-step path")
    args = parser.parse_args()
    env = dict(os.environ)
    env["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    env.setdefault("DJANGO_DEBUG", "1")
    # This tree's code first; the setup uses the test factories.
    env["PYTHONPATH"] = f"{ROOT / 'src'}{os.pathsep}{ROOT}"
    started = time.perf_counter()
    built = subprocess.run(
        [sys.executable, "-c", SETUP, str(args.lines)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if built.returncode != 0:
        print(built.stdout, built.stderr)
        return 1
    print(f"data: {args.lines} order lines ({built.stdout.strip()} in "
          f"{time.perf_counter() - started:.1f} s)")  # fmt: skip
    flows = [str(BIN / "countyhub"), "accounts", "flows", "--county", SLUG, "--year", "2025",
             "--home-code", "520123"]  # fmt: skip
    copy_runs, one_runs, flow_runs, accounts_runs = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(args.rounds):
            copy_runs.append(run([sys.executable, "-c", COPY, str(out / "copy.csv")], env))
            one_runs.append(
                run([*flows, "--out", str(out / "one.csv"), "--accounts-json",
                     str(out / "one.json")], env)
            )  # fmt: skip
            if args.one_pass_only:
                continue
            flow_runs.append(run([*flows, "--out", str(out / "flows.csv")], env))
            accounts_runs.append(
                run([str(BIN / "countyhub"), "analyze", "accounts", str(out / "flows.csv"),
                     "--json", str(out / "accounts.json")], env)
            )  # fmt: skip
        document = json.loads((out / "one.json").read_text())
        flows_rows = sum(1 for _ in (out / "one.csv").open()) - 1
        if not args.one_pass_only:
            same_flows = _same(out / "one.csv", out / "flows.csv")
            same_json = _same(out / "one.json", out / "accounts.json")
            print(f"one pass = two steps: flows table {same_flows}, accounts document {same_json}")
    copy_t = min(t for t, _ in copy_runs)
    copy_m = max(m for _, m in copy_runs)
    print(f"flows rows: {flows_rows}; Y = {document['Y']} yuan, C = {document['C']}, "
          f"X_domestic = {document['X_domestic']}")  # fmt: skip
    print(f"COPY of the order lines:      {copy_t:8.2f} s  peak {copy_m / 1024:7.1f} MB")
    one_t = min(t for t, _ in one_runs)
    one_m = max(m for _, m in one_runs)
    print(f"flows + accounts, one pass:   {one_t:8.2f} s  peak {one_m / 1024:7.1f} MB"
          f"  ({one_t / copy_t:.2f}x, {one_m / copy_m:.2f}x the COPY)")  # fmt: skip
    if flow_runs:
        for name, runs in (("accounts flows", flow_runs), ("analyze accounts", accounts_runs)):
            best = min(t for t, _ in runs)
            peak = max(m for _, m in runs) / 1024
            print(f"  two steps: {name + ':':17s} {best:8.2f} s  peak {peak:7.1f} MB")
        two_t = min(f[0] + a[0] for f, a in zip(flow_runs, accounts_runs, strict=True))
        two_m = max(m for _, m in flow_runs + accounts_runs)
        print(f"flows + accounts, two steps:  {two_t:8.2f} s  peak {two_m / 1024:7.1f} MB"
              f"  ({two_t / copy_t:.2f}x, {two_m / copy_m:.2f}x the COPY)")  # fmt: skip
    print(f"ratio of the one pass to COPY: time {one_t / copy_t:.2f}x, peak memory "
          f"{one_m / copy_m:.2f}x (target <= 3x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
