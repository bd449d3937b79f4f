"""The flows table of one county and year, built from the platform's own records.

One streaming pass over the database (``iterator()`` over flat ``values_list`` rows, never a
whole table in memory) writes the CSV contract of docs/accounts.md:

- every order line of the county's sellers whose payment was received in the year is a ``sale``
  (the seller is in the county: every seller belongs to one), dated when the payment came in;
- every refund given back in the year is a negative ``sale`` of its order, dated when refunded
  (rule R10: it reverses the original's buckets in the refund's period, whatever year the sale);
- an order's shipping fee is a ``fee`` paid by the buyer to the seller who ships (home);
- every payout booked to the ledger in the year (incentives, training stipends, grants; a
  reversal negative) is a ``transfer``.

Facts that older records lack are filled by a documented fallback, and each use is counted:
a buyer account without a kind is a household; an order without a declared use is ``final``
for households and government units and an unlinked ``intermediate`` input for enterprises; a
product not marked as produced outside is local; a home delivery whose division code does not
say whether it is in the county is ``domestic``. Goods brought in from outside and resold are
imported at their full price (the platform does not know the seller's purchase cost, so the
margin is never overstated as local value added).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat, TruncDate
from django.db.models.sql.constants import MULTI

from countyhub.analysis.accounts import COLUMNS, Flow
from countyhub.catalog.models import Product
from countyhub.core.models import County
from countyhub.programs.models import LedgerEntry
from countyhub.shop.models import (
    BuyerKind,
    DeliveryMethod,
    Order,
    OrderLine,
    PaymentStatus,
    PurchaseUse,
    Refund,
)
from countyhub.trace.models import TraceProfile

CHUNK = 2_000
PG_CHUNK = 10_000  # rows a FETCH from PostgreSQL brings (see _rows)
_ZERO = Decimal(0)

FALLBACKS = {
    "buyer_kind": "buyer account without a kind: counted as a household",
    "use": "no declared use: final (households, government units) or unlinked input (enterprises)",
    "goods_origin": "product not marked: counted as produced in the county",
    "buyer_region": "delivery region not known to be in or out of the county: domestic",
}


@dataclass
class FlowsReport:
    """How many rows of each flow were written, and how many used each fallback."""

    rows: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        written = ", ".join(f"{n} {kind}" for kind, n in sorted(self.rows.items())) or "none"
        out = [f"rows written: {written}"]
        out += [f"fallback, {n} rows: {FALLBACKS[name]}" for name, n in self.fallbacks.items()]
        return out


def home_division_code(county: County) -> str:
    """The county's own GB/T 2260 code (from its traceability profile), or empty if not set."""
    return (
        TraceProfile.objects.filter(county=county).values_list("division_code", flat=True).first()
        or ""
    )


def _kind(order_kind: str, profile_kind: str | None, report: FlowsReport) -> str:
    kind = order_kind or profile_kind or ""
    if not kind:
        report.fallbacks["buyer_kind"] += 1
        return "household"
    return "enterprise" if kind == BuyerKind.COOPERATIVE else kind


def _region(method: str, code: str, home: str, report: FlowsReport) -> str:
    if method == DeliveryMethod.STATION:
        return "home"  # a village service station is in the county by definition
    if home and code == home:
        return "home"
    if code and home and not home.startswith(code):
        return "domestic"  # a division that is not (and does not contain) the county
    report.fallbacks["buyer_region"] += 1
    return "domestic"


def _use(kind: str, region: str, declared: str, report: FlowsReport) -> tuple[str, str]:
    """The use and ``linked`` of a purchase: only a home buyer's use decides a bucket."""
    if region != "home" or kind == "household":
        return declared, ""
    if declared:
        if kind == "enterprise" and declared == PurchaseUse.FINAL:
            return PurchaseUse.INTERMEDIATE, "no"  # an enterprise has no final consumption
        return declared, "no" if declared == PurchaseUse.INTERMEDIATE else ""
    report.fallbacks["use"] += 1
    if kind == "government":
        return PurchaseUse.FINAL, ""
    return PurchaseUse.INTERMEDIATE, "no"


def _local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    return moment.astimezone(zone).date()


def build_flows(
    county: County, year: int, *, report: FlowsReport, home_code: str = ""
) -> Iterator[dict[str, str]]:
    """The flows of ``county`` in ``year`` as rows of the CSV contract (see the module doc);
    ``report`` counts the rows and the fallbacks as they stream by."""
    for flow in typed_flows(county, year, report=report, home_code=home_code):
        yield flow_row(flow)


def typed_flows(
    county: County, year: int, *, report: FlowsReport, home_code: str = ""
) -> Iterator[Flow]:
    """The flows of ``county`` in ``year`` as checked :class:`Flow` values, ready for the engine
    without a CSV round trip: every value is one the contract allows (kinds, regions, uses and
    ``linked`` come from the fallbacks above), so ``parse_row`` of :func:`flow_row` gives the
    same Flow back (tests/impact/test_flows.py checks).

    The queries run inside one read-only transaction. Outside one, Django declares its server-side
    cursors WITH HOLD, and PostgreSQL then materialises the whole join before the first row; and
    with ``cursor_tuple_fraction`` at 1 the planner optimises for reading every row (hash joins)
    rather than the first tenth (nested loops), which is what a flows table does."""
    # On the database the router reads from (the replica inside `replica_reads`): a transaction
    # opened on the primary would send every read there (read-your-writes).
    using = router.db_for_read(OrderLine) or DEFAULT_DB_ALIAS
    with transaction.atomic(using=using):
        if connections[using].vendor == "postgresql":
            with connections[using].cursor() as cursor:
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        yield from _typed_flows(county, year, report=report, home_code=home_code)


def _typed_flows(
    county: County, year: int, *, report: FlowsReport, home_code: str = ""
) -> Iterator[Flow]:
    home = home_code or home_division_code(county)
    zone = county.zone
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    paid = (PaymentStatus.RECEIVED, PaymentStatus.REFUNDED)
    paid_in_year = {
        "payment__status__in": paid,
        "payment__received_at__gte": start,
        "payment__received_at__lt": end,
    }
    decisions: dict[tuple[Any, ...], _Decided] = {}
    # No ORDER BY: PostgreSQL streams the join without sorting a county's million lines first.
    lines = (
        OrderLine.objects.filter(
            order__county=county, **{f"order__{k}": v for k, v in paid_in_year.items()}
        )
        .annotate(
            day=TruncDate("order__payment__received_at", tzinfo=zone),
            # the flow's id, "<order number>-<line id>", made by PostgreSQL: one column less
            flow_id=Concat("order__number", Value("-"), Cast("pk", CharField())),
        )
        .values_list(
            "flow_id",
            "day",
            "line_total",
            "order__buyer_kind",
            "order__buyer__buyer_profile__buyer_kind",
            "order__delivery_method",
            "order__region_code",
            "order__purchase_use",
            "product__produced_in_county",
        )
    )
    for (
        flow_id,
        day,
        amount,
        order_kind,
        profile_kind,
        method,
        code,
        declared_use,
        produced_here,
    ) in _rows(lines):
        # A county's million lines share a few hundred combinations of these facts: decide each
        # combination once, and count its fallbacks for every line as before (same order).
        facts = (order_kind, profile_kind, method, code, declared_use, produced_here)
        decided = decisions.get(facts)
        if decided is None:
            decided = decisions[facts] = _decide_line(facts, home)
        kind, region, use, linked, origin, fallbacks = decided
        for name in fallbacks:
            report.fallbacks[name] += 1
        report.rows["sale"] += 1
        yield Flow(
            flow_id,
            day,
            "sale",
            amount,
            kind,
            region,
            "home",
            origin,
            amount if origin == "outside" else _ZERO,
            use,
            linked,
        )
    fees = (
        Order.objects.filter(county=county, shipping_fee__gt=0, **paid_in_year)
        .annotate(day=TruncDate("payment__received_at", tzinfo=zone))
        .values_list(
            "number",
            "day",
            "shipping_fee",
            "buyer_kind",
            "buyer__buyer_profile__buyer_kind",
            "delivery_method",
            "region_code",
        )
    )
    for number, day, fee, order_kind, profile_kind, method, code in _rows(fees):
        kind = _kind(order_kind, profile_kind, report)
        region = _region(method, code, home, report)
        report.rows["fee"] += 1
        yield Flow(f"{number}-shipping", day, "fee", fee, kind, region, "home")
    yield from _refunds(county, start, end, home, zone, report)
    for entry_id, booked_at, amount in (
        LedgerEntry.objects.filter(county=county, booked_at__gte=start, booked_at__lt=end)
        .order_by("pk")
        .values_list("pk", "booked_at", "amount")
        .iterator(chunk_size=CHUNK)
    ):
        report.rows["transfer"] += 1
        yield Flow(f"payout-{entry_id}", _local_date(booked_at, zone), "transfer", amount)


def _rows(query: QuerySet[Any, Any]) -> Iterable[Sequence[Any]]:
    """The rows of a ``values_list`` query, streamed from a server-side cursor.

    On PostgreSQL the rows come straight from psycopg: the columns read here need no Django
    converter there (numeric is a Decimal, a truncated date a date, booleans bools), and skipping
    the per-row converter pass is a fifth of the flows' time. The next chunk is fetched by a
    second thread while this one works through the current chunk, so PostgreSQL computes rows
    while Python writes them (psycopg releases the GIL while it waits); two chunks at most are in
    memory. Other databases go through ``iterator()`` (SQLite, say, needs its converters)."""
    if connections[query.db].vendor != "postgresql":
        return query.iterator(chunk_size=CHUNK)
    compiler = query.query.get_compiler(using=query.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=PG_CHUNK)
    return _prefetched(chunks)


def _prefetched(chunks: Iterator[Sequence[Sequence[Any]]]) -> Iterator[Sequence[Any]]:
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="flows-fetch") as pool:
        pending = pool.submit(next, chunks, None)
        while (chunk := pending.result()) is not None:
            pending = pool.submit(next, chunks, None)
            yield from chunk


_Decided = tuple[str, str, str, str, str, tuple[str, ...]]


def _decide_line(facts: tuple[Any, ...], home: str) -> _Decided:
    """Kind, region, use, linked and origin of an order line with these facts, and the fallbacks
    used (in the order the per-line functions count them)."""
    order_kind, profile_kind, method, code, declared_use, produced_here = facts
    scratch = FlowsReport()
    kind = _kind(order_kind, profile_kind, scratch)
    region = _region(method, code, home, scratch)
    use, linked = _use(kind, region, declared_use, scratch)
    origin = _origin(produced_here, scratch)
    return kind, region, use, linked, origin, tuple(scratch.fallbacks.elements())


def _origin(produced_here: bool | None, report: FlowsReport) -> str:
    if produced_here is None:
        report.fallbacks["goods_origin"] += 1
        return "local"
    return "local" if produced_here else "outside"


def _refunds(
    county: County,
    start: dt.datetime,
    end: dt.datetime,
    home: str,
    zone: ZoneInfo,
    report: FlowsReport,
) -> Iterator[Flow]:
    """Each refund as a negative sale of its order, its goods outside if any line's were."""
    outside_goods = OrderLine.objects.filter(
        order=OuterRef("order"), product__in=Product.objects.filter(produced_in_county=False)
    )
    refunds = (
        Refund.objects.filter(order__county=county, refunded_at__gte=start, refunded_at__lt=end)
        .annotate(outside=Exists(outside_goods))
        .order_by("pk")
        .values_list(
            "pk",
            "order__number",
            "refunded_at",
            "amount",
            "order__buyer_kind",
            "order__buyer__buyer_profile__buyer_kind",
            "order__delivery_method",
            "order__region_code",
            "order__purchase_use",
            "outside",
        )
    )
    for (
        refund_id,
        number,
        refunded_at,
        amount,
        order_kind,
        profile_kind,
        method,
        code,
        declared_use,
        outside,
    ) in _rows(refunds):
        kind = _kind(order_kind, profile_kind, report)
        region = _region(method, code, home, report)
        use, linked = _use(kind, region, declared_use, report)
        report.rows["refund"] += 1
        yield Flow(
            f"{number}-refund-{refund_id}",
            _local_date(refunded_at, zone),
            "sale",
            -amount,
            kind,
            region,
            "home",
            "outside" if outside else "local",
            -amount if outside else _ZERO,
            use,
            linked,
        )


def flow_row(flow: Flow) -> dict[str, str]:
    """A Flow as a row of the CSV contract (text cells; the cost only for goods from outside)."""
    return dict(zip(COLUMNS, _cells(flow), strict=True))


def _cells(flow: Flow) -> tuple[str, ...]:
    return (
        flow.id,
        flow.date.isoformat(),
        flow.flow,
        str(flow.amount),
        flow.buyer_kind,
        flow.buyer_region,
        flow.seller_region,
        flow.goods_origin,
        str(flow.cost_of_goods) if flow.goods_origin == "outside" else "",
        flow.use,
        flow.linked,
    )


def write_flows(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write the rows as the CSV contract, one at a time; returns how many."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        writer.writerow([row[column] for column in COLUMNS])
        count += 1
    return count


def written(flows: Iterable[Flow], out: IO[str]) -> Iterator[Flow]:
    """Pass the flows through, writing each as a row of the CSV contract first (the header too):
    one pass gives both the flows table and, downstream, the accounts.

    The file is the one ``write_flows`` writes, byte for byte. A row whose cells need no quoting
    (no comma, quote or line break: all but odd ids) is joined by hand and written in batches,
    which is three times faster than ``csv.writer`` per row; any other row goes through it."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    odd = io.StringIO()
    quoting = csv.writer(odd, lineterminator="\n")
    separators = len(COLUMNS) - 1
    days: dict[dt.date, str] = {}  # a year has 365 dates and a million rows
    batch: list[str] = []
    try:
        for flow in flows:
            day = days.get(flow.date)
            if day is None:
                day = days[flow.date] = flow.date.isoformat()
            origin = flow.goods_origin
            cells = (
                flow.id,
                day,
                flow.flow,
                str(flow.amount),
                flow.buyer_kind,
                flow.buyer_region,
                flow.seller_region,
                origin,
                str(flow.cost_of_goods) if origin == "outside" else "",
                flow.use,
                flow.linked,
            )
            line = ",".join(cells)
            if line.count(",") != separators or '"' in line or "\n" in line or "\r" in line:
                quoting.writerow(cells)
                line = odd.getvalue()[:-1]
                odd.seek(0)
                odd.truncate()
            batch.append(line)
            if len(batch) == _BATCH:
                out.write("\n".join(batch) + "\n")
                batch.clear()
            yield flow
    finally:
        if batch:
            out.write("\n".join(batch) + "\n")


_BATCH = 4_096
