"""Channel use cases: importing a channel's orders into the one stock, managing listings.

An imported order is an ordinary shop order (it is shipped, refunded, counted and traced like a
storefront order) whose stock comes from the same allocation as checkout: the same rows locked
in the same order, the same CHECK constraints, so no channel can sell what another sold.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import itertools
import queue
import threading
from collections import defaultdict
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Seller, Stock
from countyhub.channels import hooks
from countyhub.channels.errors import BadOrdersError, NotListableError, Problem
from countyhub.channels.importing import (
    DraftLine,
    OrderDraft,
    OrderFile,
    read_order_json,
)
from countyhub.channels.models import (
    Channel,
    ChannelKind,
    ChannelOrder,
    Charm,
    Listing,
    ListingStatus,
    StockSync,
    StockSyncVia,
)
from countyhub.channels.policies import own_products
from countyhub.channels.pricing import rule_price
from countyhub.channels.procurement import check_may_list
from countyhub.channels.selectors import SELLING, StockChange, stock_since_last_sync
from countyhub.core.audit import record_audit
from countyhub.core.bulk import BulkTable
from countyhub.core.local_time import local_date
from countyhub.core.models import AuditEntry, County
from countyhub.core.money import CNY, quantize_cny
from countyhub.core.spreadsheets import SafeCsvWriter
from countyhub.shop import allocation
from countyhub.shop.models import (
    Checkout,
    DeliveryMethod,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)


@dataclass
class ImportResult:
    imported: int = 0
    existing: int = 0


# Orders written per round of bulk inserts: enough to amortise each statement, few enough that
# a chunk's objects stay small whatever the file's size.
CHUNK = 2000


def _account(channel: Channel) -> Any:
    """The channel's buyer account, made on first use; it can never log in."""
    if channel.account_id is not None:
        return channel.account
    user = get_user_model()(username=f"channel-{channel.pk}", is_active=False)
    user.set_unusable_password()
    user.save()
    channel.account = user
    channel.save(update_fields=["account", "updated_at"])
    return user


@dataclass
class FileImportReport:
    imported: int = 0
    existing: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Orders left out because a row of theirs is bad (only with skip_bad_rows).
    skipped: int = 0
    # True when bad rows stopped the whole file: nothing was imported.
    refused: bool = False


def import_order_file(
    *, channel: Channel, actor: Any, upload: IO[bytes], filename: str, skip_bad_rows: bool = False
) -> FileImportReport:
    """Import a platform's order export for the products `actor` sells (None: the command
    line, for the whole county). A file with a bad row imports nothing, unless
    `skip_bad_rows`: then the orders without a bad row are imported and the others named.

    `upload` is a seekable binary file, read once as a stream: every row is checked (nothing
    written) and kept on disk, then the good orders are written in chunks inside one
    transaction. Its memory does not grow with the file's size."""
    profile = getattr(channel, "import_profile", None)
    with OrderFile(
        upload=upload,
        filename=filename,
        products=own_products(actor, channel),
        columns=profile.columns if profile else None,
    ) as order_file:
        check = order_file.check()
        report = FileImportReport(problems=check.problems, notes=check.notes)
        if check.problems and not skip_bad_rows:
            report.refused = True
            return report
        result = _import(
            channel=channel,
            actor=actor,
            chunks=_read_ahead(order_file.drafts()),
            product_ids=check.product_ids,
        )
    report.imported, report.existing, report.skipped = (
        result.imported,
        result.existing,
        check.bad_orders,
    )
    return report


def import_order_json(*, channel: Channel, actor: Any, orders: Any) -> ImportResult:
    """The API's import: all orders or none; BadOrdersError names each bad one."""
    parsed = read_order_json(orders=orders, products=own_products(actor, channel))
    if parsed.problems:
        raise BadOrdersError(
            _("Nothing was imported: correct the orders named and send them again."),
            problems=parsed.problems,
        )
    return import_orders(channel=channel, actor=actor, drafts=parsed.drafts)


def import_orders(*, channel: Channel, actor: Any, drafts: Sequence[OrderDraft]) -> ImportResult:
    """Import `drafts` as orders of `channel`, all or none. Orders already imported (by
    channel and platform order number) are counted as existing and left alone.

    Raises InsufficientStockError (with the shortages) if the stock cannot cover them all.
    """
    product_ids = {line.product.pk for draft in drafts for line in draft.lines}
    return _import(
        channel=channel, actor=actor, chunks=_chunks(iter(drafts)), product_ids=product_ids
    )


Chunks = Generator[list[OrderDraft], None, None]


def _chunks(drafts: Iterator[OrderDraft]) -> Chunks:
    while chunk := list(itertools.islice(drafts, CHUNK)):
        yield chunk


def _read_ahead(drafts: Iterator[OrderDraft]) -> Chunks:
    """The chunks of `drafts`, each next one read from the file in a thread while the
    database writes this one: reading is Python work and writing mostly waiting, so the two
    overlap. The thread only parses (no database); one chunk waits at most; its error is
    raised here; it stops when the import does."""
    ready: queue.Queue[list[OrderDraft] | BaseException] = queue.Queue(maxsize=1)
    stop = threading.Event()
    language = translation.get_language()

    def hand_over(item: list[OrderDraft] | BaseException) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        with translation.override(language):
            try:
                for chunk in _chunks(drafts):
                    if not hand_over(chunk):
                        return
                hand_over([])
            except BaseException as error:  # raised in the importing thread
                hand_over(error)

    reader = threading.Thread(target=read, name="order-file-reader", daemon=True)
    reader.start()
    try:
        while chunk := ready.get():
            if isinstance(chunk, BaseException):
                raise chunk
            yield chunk
    finally:
        stop.set()
        reader.join()


@transaction.atomic
def _import(*, channel: Channel, actor: Any, chunks: Chunks, product_ids: set[int]) -> ImportResult:
    """import_orders for a stream of chunks of drafts (CHUNK orders at most each), in one
    transaction."""
    # One import of a channel at a time: the second waits and then finds the first's orders
    # as existing, instead of failing on the unique number. Only the channel's row is locked,
    # and without the key: checkouts referencing the county (or anything else) never wait on it,
    # so the stock rows are the one lock an import and a checkout share (no deadlock).
    channel = (
        Channel.objects.select_for_update(no_key=True, of=("self",))
        .select_related("county")
        .get(pk=channel.pk)
    )
    result = ImportResult()
    writer: _ChunkWriter | None = None
    # Every product's stock rows locked once, in primary-key order as checkout locks them
    # (no deadlock), before the first order is written, and held to the commit: all the
    # chunks so far are checked against what was available then, and their allocation is
    # written once, after the last chunk (one UPDATE instead of one per chunk).
    stocks: dict[int, Stock] = {}
    requested: dict[Product, Decimal] = defaultdict(Decimal)
    short = False
    # Closed when the import ends, even by an error: a file's reader thread stops.
    with contextlib.closing(chunks):
        for chunk in chunks:
            existing = _imported(channel, [draft.external_id for draft in chunk])
            new = [draft for draft in chunk if draft.external_id not in existing]
            result.existing += len(existing)
            if not new:
                continue
            if writer is None:
                stocks = allocation.lock_stocks(sorted(product_ids))
                writer = _ChunkWriter(channel, actor, product_ids)
            for draft in new:
                for line in draft.lines:
                    requested[line.product] += line.quantity
            # Past the first shortage nothing more is written (the transaction is rolled back),
            # but the rest is still added up so that every shortage is named with its whole need.
            short = short or bool(allocation.shortages(stocks, requested))
            if short:
                continue
            result.imported += writer.write(new)
    if short:
        allocation.refuse(allocation.shortages(stocks, requested))
    if requested:
        allocation.allocate_locked(
            stocks=stocks, quantities={product.pk: amount for product, amount in requested.items()}
        )
    return result


def _imported(channel: Channel, numbers: list[str]) -> set[str]:
    """Which of `numbers` the channel imported before. On PostgreSQL the numbers go as one
    array parameter: an IN of a chunk's thousands of parameters costs more to build and bind
    than to run."""
    if connection.vendor != "postgresql":
        return set(
            ChannelOrder.objects.filter(channel=channel, external_id__in=numbers).values_list(
                "external_id", flat=True
            )
        )
    meta = ChannelOrder._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT {number} FROM {table} WHERE {channel} = %s AND {number} = ANY(%s)".format(
                table=connection.ops.quote_name(meta.db_table),
                number=connection.ops.quote_name(meta.get_field("external_id").column),
                channel=connection.ops.quote_name(meta.get_field("channel").column),
            ),
            [channel.pk, numbers],
        )
        return {number for (number,) in cursor.fetchall()}


class _ChunkWriter:
    """Writes chunks of new orders of one import: what checkout writes for a paid order
    (checkout, order, lines, payment, its two events), the channel link and the audit entry,
    each table in one COPY per chunk on PostgreSQL (one bulk_create elsewhere): rows are
    built as tuples of the columns below, never as model objects."""

    def __init__(self, channel: Channel, actor: Any, product_ids: set[int]) -> None:
        self.channel = channel
        self.actor = _user(actor)
        self.account = _account(channel)
        self.prices = dict(
            Listing.objects.filter(channel=channel, product__in=product_ids).values_list(
                "product_id", "price"
            )
        )
        self.now = timezone.now()
        self.day = local_date(self.now, channel.county)
        # A foreign-currency order freezes the rate of its day (the last one published on or
        # before it); without one it is still taken (the platform sold it), counted in its
        # currency.
        self.frozen: dict[str, Any] = {"fx_rate": Decimal(1), "fx_source": "", "fx_date": None}
        if channel.currency != CNY:
            found = hooks.latest_rate(channel.currency, self.day)
            self.frozen = {
                "fx_rate": found.rate if found else None,
                "fx_source": found.source if found else "",
                "fx_date": found.date if found else None,
            }

    def write(self, new: list[OrderDraft]) -> int:
        channel, now = self.channel, self.now
        county_id, account_id = channel.county_id, self.account.pk
        actor_id = self.actor.pk if self.actor is not None else None
        code, currency, frozen = channel.code, channel.currency, self.frozen
        checkout_ids = _CHECKOUTS.insert(
            [
                (
                    county_id,
                    account_id,
                    f"channel:{draft.external_id}",
                    hashlib.sha256(draft.external_id.encode()).hexdigest(),
                )
                for draft in new
            ],
            ids=True,
        )
        lines: list[list[tuple[Any, ...]]] = [
            [self._line(line) for line in draft.lines] for draft in new
        ]
        totals = [sum((line[-1] for line in rows), Decimal("0.00")) for rows in lines]
        order_ids = _ORDERS.insert(
            [
                (
                    county_id,
                    f"{self.day:%Y%m%d}-{checkout_id:06d}-1",
                    checkout_id,
                    account_id,
                    draft.lines[0].product.seller_id,
                    OrderStatus.PAID.value,
                    DeliveryMethod.HOME.value,
                    (draft.recipient_name or channel.name)[:100],
                    "",
                    draft.address[:300],
                    PaymentMethod.BANK_TRANSFER.value,
                    total,
                    currency,
                    frozen["fx_rate"],
                    frozen["fx_source"],
                    frozen["fx_date"],
                    now,
                )
                for draft, checkout_id, total in zip(new, checkout_ids, totals, strict=True)
            ],
            ids=True,
        )
        _LINES.insert(
            [
                (order_id, *line)
                for order_id, rows in zip(order_ids, lines, strict=True)
                for line in rows
            ]
        )
        # Paid on the platform: the money is the platform's to settle with the seller.
        _PAYMENTS.insert(
            [
                (
                    order_id,
                    PaymentMethod.BANK_TRANSFER.value,
                    total,
                    currency,
                    PaymentStatus.RECEIVED.value,
                    f"{code}:{draft.external_id}"[:100],
                    now,
                )
                for order_id, total, draft in zip(order_ids, totals, new, strict=True)
            ]
        )
        placed, paid = OrderStatus.PLACED.value, OrderStatus.PAID.value
        _EVENTS.insert(
            [
                event
                for order_id in order_ids
                for event in (
                    (order_id, "", placed, actor_id, "", now),
                    (order_id, placed, paid, actor_id, code, now),
                )
            ]
        )
        _LINKS.insert(
            [
                (channel.pk, draft.external_id, order_id, now, actor_id, draft.raw)
                for order_id, draft in zip(order_ids, new, strict=True)
            ]
        )
        _AUDIT.insert(
            [
                (
                    county_id,
                    actor_id,
                    "order.imported",
                    Order._meta.label_lower,
                    str(order_id),
                    {
                        "channel": code,
                        "external_id": draft.external_id,
                        "total": str(total),
                        "lines": len(draft.lines),
                    },
                )
                for order_id, total, draft in zip(order_ids, totals, new, strict=True)
            ]
        )
        return len(new)

    def _line(self, line: DraftLine) -> tuple[Any, ...]:
        """An order line's columns after its order's: product, name, unit, quantity, unit
        price and line total (the file's price, else the listing's, else the product's)."""
        product = line.product
        unit_price = line.unit_price
        if unit_price is None:
            unit_price = self.prices.get(product.pk, product.price)
        return (
            product.pk,
            product.name,
            product.unit,
            line.quantity,
            unit_price,
            quantize_cny(unit_price * line.quantity),
        )


# The rows an imported order writes, by the columns the import gives (the rest take the
# model's defaults): see core.bulk.
_CHECKOUTS = BulkTable(
    Checkout, ["county_id", "buyer_id", "idempotency_key", "request_fingerprint"]
)
_ORDERS = BulkTable(
    Order,
    [
        "county_id",
        "number",
        "checkout_id",
        "buyer_id",
        "seller_id",
        "status",
        "delivery_method",
        "recipient_name",
        "phone",
        "address",
        "payment_method",
        "total",
        "currency",
        "fx_rate",
        "fx_source",
        "fx_date",
        "placed_at",
    ],
)
_LINES = BulkTable(
    OrderLine,
    ["order_id", "product_id", "product_name", "unit", "quantity", "unit_price", "line_total"],
)
_PAYMENTS = BulkTable(
    Payment, ["order_id", "method", "amount", "currency", "status", "reference", "received_at"]
)
_EVENTS = BulkTable(
    OrderEvent, ["order_id", "from_status", "to_status", "actor_id", "note", "created_at"]
)
_LINKS = BulkTable(
    ChannelOrder, ["channel_id", "external_id", "order_id", "imported_at", "imported_by_id", "raw"]
)
_AUDIT = BulkTable(
    AuditEntry, ["county_id", "actor_id", "action", "object_type", "object_id", "changes"]
)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def create_channel(
    *,
    actor: Any,
    county: County,
    code: str,
    name: str,
    kind: str,
    platform: str,
    currency: str = CNY,
    default_buffer: Decimal = Decimal(0),
    markup_percent: Decimal = Decimal(0),
    charm: str = Charm.NONE,
    destination: str = "",
) -> Channel:
    """A new outlet of the county's sellers (audited)."""
    channel = Channel(
        county=county,
        code=code,
        name=name,
        kind=kind,
        platform=platform,
        currency=currency,
        default_buffer=default_buffer,
        markup_percent=markup_percent,
        charm=charm,
        destination=destination,
    )
    channel.full_clean()
    channel.save()
    record_audit(
        actor=actor,
        action="channel.created",
        target=channel,
        county=county,
        changes={
            "code": code,
            "kind": kind,
            "platform": platform,
            "currency": currency,
            "markup_percent": markup_percent,
            "charm": charm,
            "destination": destination,
        },
    )
    return channel


@transaction.atomic
def save_listing(
    *,
    actor: Any,
    channel: Channel,
    product: Product,
    price: Decimal | None = None,
    title: str = "",
    stock_buffer: Decimal | None = None,
    external_id: str = "",
    status: str = ListingStatus.DRAFT,
    rejection_reason: str = "",
    day: datetime.date | None = None,
) -> Listing:
    """Create or change the product's listing on `channel` (audited). `price` is set by hand,
    in the channel's currency; None: the channel's price rule gives it at `day`'s rate (today
    in the county by default; ChannelError when no rate is known). A listing ready or listed
    needs what the registered checks ask on `day` (a cross-border channel: complete trade data
    and export compliance): NotListableError names every gap. Drafts may wait for them."""
    day = day or local_date(timezone.now(), channel.county)
    if status in SELLING:
        gaps = hooks.listing_gaps(channel, product, day)
        if gaps:
            raise NotListableError(
                _("%(product)s cannot be offered on %(channel)s yet: %(gaps)s")
                % {"product": product.name, "channel": channel.name, "gaps": " ".join(gaps)},
                gaps=gaps,
            )
    by_rule = price is None
    price = rule_price(channel, product, day) if price is None else price
    listing = Listing.objects.filter(channel=channel, product=product).first()
    created = listing is None
    if channel.kind == ChannelKind.GOV832:
        if status in (ListingStatus.READY, ListingStatus.LISTED):
            check_may_list(product.seller, day)
        if listing is not None and listing.price != price and status == ListingStatus.LISTED:
            status = ListingStatus.READY  # the platform reviews every price change again
    if listing is None:
        listing = Listing(channel=channel, product=product, stock_buffer=channel.default_buffer)
    listing.price = price
    listing.title = title.strip()
    if stock_buffer is not None:
        listing.stock_buffer = stock_buffer
    listing.external_id = external_id.strip()
    listing.status = status
    listing.rejection_reason = rejection_reason.strip() if status == ListingStatus.REJECTED else ""
    listing.full_clean()
    listing.save()
    record_audit(
        actor=actor,
        action="listing.created" if created else "listing.changed",
        target=listing,
        county=channel.county,
        changes={
            "channel": channel.code,
            "product": product.pk,
            "price": price,
            "price_by_rule": by_rule,
            "status": status,
            "stock_buffer": listing.stock_buffer,
        },
    )
    return listing


@dataclass
class StockSyncResult:
    sync: StockSync
    previous_at: datetime.datetime | None
    changes: list[StockChange]
    file: bytes


@transaction.atomic
def sync_stock(*, channel: Channel, seller: Seller, actor: Any) -> StockSyncResult:
    """The seller's stock file for `channel` (商家编码, platform id, quantity it may sell now),
    recorded so that the next sync lists what changed since this one."""
    state = stock_since_last_sync(channel=channel, seller=seller, via=StockSyncVia.FILE)
    sync = StockSync.objects.create(
        channel=channel,
        seller=seller,
        synced_at=timezone.now(),
        quantities=state.quantities,
        via=StockSyncVia.FILE,
    )
    record_audit(
        actor=actor,
        action="channel.stock_synced",
        target=sync,
        county=channel.county,
        changes={"channel": channel.code, "seller": seller.pk, "changed": len(state.changes)},
    )
    out = io.StringIO(newline="")
    writer = SafeCsvWriter(out, lineterminator="\r\n")
    writer.writerow(["商家编码", "数字ID", "可售数量"])
    for listing in state.listings:
        writer.writerow(
            [
                listing.product.seller_sku,
                listing.external_id,
                state.quantities[str(listing.product_id)],
            ]
        )
    return StockSyncResult(
        sync=sync,
        previous_at=state.last.synced_at if state.last else None,
        changes=state.changes,
        file=out.getvalue().encode("utf-8-sig"),
    )
