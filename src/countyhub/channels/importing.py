"""Reading a channel's orders: a platform's order export (CSV/XLSX, any of its encodings) or
the API's JSON, into checked `OrderDraft`s and the problems of each bad row or order.

Headers are matched by name through the channel's import profile (column sets drift between
exports); every cell is text, so order numbers keep their digits; products are found by the
seller's SKU (商家编码 / outer_id) or GTIN among the products the importer may sell. Nothing is
written to the project's database here.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product
from countyhub.catalog.validators import parse_quantity
from countyhub.channels.errors import ChannelError, ChannelErrorCode, Problem
from countyhub.channels.numbers import OrderNumberError, clean_order_number
from countyhub.channels.order_rows import GoodRow, OrderRows
from countyhub.core.tabular import Limits, TableError, iter_table

# Headers seen in Taobao/Tmall, JD, Pinduoduo and Douyin exports, and plain English ones; a
# channel's ImportProfile adds its own in front.
DEFAULT_COLUMNS: dict[str, list[str]] = {
    "external_id": ["订单编号", "订单号", "主订单编号", "order_id", "order number", "external_id"],
    "sku": ["商家编码", "商家编码(sku)", "outer_id", "sku编码", "商品编码", "seller_sku", "sku"],
    "gtin": ["商品条形码", "条形码", "barcode", "gtin"],
    "quantity": ["购买数量", "商品数量", "数量", "宝贝总数量", "quantity"],
    "unit_price": ["价格", "单价", "商品单价", "unit_price", "price"],
    "recipient_name": ["收货人姓名", "收货人", "recipient_name", "recipient"],
    "address": ["收货地址", "详细地址", "address"],
}
FIELD_LABELS = {
    "external_id": "订单编号 / order number",
    "sku": "商家编码 / seller SKU",
    "gtin": "条形码 / GTIN",
    "quantity": "购买数量 / quantity",
}
# An order export of a busy month; the default table limits are for smaller uploads.
FILE_LIMITS = Limits(rows=200_000, columns=200)
MAX_API_ORDERS = 1000


@dataclass(frozen=True)
class DraftLine:
    product: Product
    quantity: Decimal
    # The price the platform's buyer paid, when the file gives it; else the listing's.
    unit_price: Decimal | None = None


@dataclass
class OrderDraft:
    """One platform order, checked and matched to products, ready to import."""

    external_id: str
    lines: list[DraftLine]
    recipient_name: str = ""
    address: str = ""
    raw: list[dict[str, Any]] = field(default_factory=list)
    # Rows of the file (or the index in the API request) it came from.
    positions: list[int] = field(default_factory=list)


@dataclass
class ParsedOrders:
    drafts: list[OrderDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Things read but repaired, e.g. an order number a spreadsheet turned into 123456.0.
    notes: list[str] = field(default_factory=list)
    # Orders left out because one of their rows is bad.
    bad_orders: int = 0


def _key(header: str) -> str:
    return "".join(header.split()).casefold().lstrip("\ufeff")


def _locate(header: list[str], columns: Mapping[str, list[str]]) -> dict[str, int]:
    """Our field -> column index, by the first of its names present in the header."""
    positions = {_key(name): index for index, name in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for our_field, names in columns.items():
        for name in names:
            if _key(name) in positions:
                found[our_field] = positions[_key(name)]
                break
    return found


class ProductIndex:
    """The importer's products by seller SKU and by GTIN (as 14 digits)."""

    def __init__(self, products: QuerySet[Product]) -> None:
        self.by_id: dict[int, Product] = {}
        self.by_sku: dict[str, list[Product]] = defaultdict(list)
        self.by_gtin: dict[str, list[Product]] = defaultdict(list)
        for product in products.filter(active=True).select_related("seller"):
            self.by_id[product.pk] = product
            if product.seller_sku:
                self.by_sku[product.seller_sku.strip().casefold()].append(product)
            if product.gtin:
                self.by_gtin[product.gtin.zfill(14)].append(product)

    def find(self, *, sku: str, gtin: str) -> Product | str:
        """The product, or why none (a message)."""
        if sku:
            found = self.by_sku.get(sku.casefold(), [])
            if len(found) == 1:
                return found[0]
            if found:
                return _("Several of your products have the seller SKU %(sku)s.") % {"sku": sku}
        if gtin:
            digits = gtin.strip().lstrip("'")
            found = self.by_gtin.get(digits.zfill(14), []) if digits.isdigit() else []
            if len(found) == 1:
                return found[0]
            if found:
                return _("Several of your products have the GTIN %(gtin)s.") % {"gtin": gtin}
        if sku or gtin:
            return _(
                "None of your products on sale has the seller SKU %(sku)s or GTIN %(gtin)s."
            ) % {
                "sku": sku or "-",
                "gtin": gtin or "-",
            }
        return _("Give the seller SKU (商家编码) or the GTIN of the product.")


def _quantity(text: str, product: Product) -> Decimal:
    return parse_quantity(text, decimal_allowed=product.decimal_quantity)


def _price(text: str) -> Decimal | None:
    value = text.strip().lstrip("¥￥").replace(",", "")
    if not value:
        return None
    try:
        price = Decimal(value)
    except InvalidOperation as error:
        raise ValueError(_("The price %(value)s is no number.") % {"value": text}) from error
    if not price.is_finite() or price <= 0 or price >= Decimal("1e10"):
        raise ValueError(_("The price must be more than zero."))
    if price != price.quantize(Decimal("0.01")):
        raise ValueError(_("The price has at most two decimal places."))
    return price


@dataclass
class _Row:
    position: int
    external_id: str
    line: DraftLine | None
    recipient_name: str
    address: str
    # The row's cells under the header (the header's length at most).
    cells: list[str]


@dataclass
class FileCheck:
    """The check of an order file: every problem, and no row kept in memory."""

    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Orders left out because one of their rows is bad.
    bad_orders: int = 0
    # The products of the good orders: their stock rows are locked before writing.
    product_ids: set[int] = field(default_factory=set)


class OrderFile:
    """An order export read once as a stream: `check()` finds every bad row and keeps the
    checked rows on disk (`OrderRows`), `drafts()` then yields the good orders one by one from
    there. An order's rows may lie anywhere in the file; grouping them happens on disk, so the
    memory an import needs does not grow with the file. Close it (or use it in a `with`) to
    delete the rows.

    Raises ChannelError (bad_file) when the file as a whole is unreadable or lacks a needed
    column; TableError of a row deep in the file surfaces as bad_file too."""

    def __init__(
        self,
        *,
        upload: IO[bytes],
        filename: str,
        products: QuerySet[Product],
        columns: Mapping[str, list[str]] | None = None,
    ) -> None:
        self.filename = filename
        merged = {
            name: [*(columns or {}).get(name, []), *names]
            for name, names in DEFAULT_COLUMNS.items()
        }
        # The header now, the other rows by check().
        self._rows = self._table(upload)
        header = next(self._rows, None)
        if header is None:
            raise ChannelError(ChannelErrorCode.BAD_FILE, _("%(f)s is empty.") % {"f": filename})
        # Cells under no name are in no order's record; a file may have thousands of them.
        while header and not header[-1]:
            header.pop()
        self.header = header
        self.at = _locate(header, merged)
        missing = [
            FIELD_LABELS[name] for name in ("external_id", "quantity") if name not in self.at
        ]
        if "sku" not in self.at and "gtin" not in self.at:
            missing.append(f"{FIELD_LABELS['sku']} / {FIELD_LABELS['gtin']}")
        if missing:
            raise ChannelError(
                ChannelErrorCode.BAD_FILE,
                _("%(f)s has no column %(cols)s in its first row.")
                % {"f": filename, "cols": ", ".join(missing)},
                field="file",
            )
        self.index = ProductIndex(products)
        self._stored = OrderRows(width=len(header))

    def __enter__(self) -> OrderFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._rows.close()
        self._stored.close()

    def _table(self, upload: IO[bytes]) -> Generator[list[str], None, None]:
        try:
            yield from iter_table(upload, self.filename, FILE_LIMITS)
        except TableError as error:
            where = _("row %(row)d: ") % {"row": error.row} if error.row else ""
            raise ChannelError(
                ChannelErrorCode.BAD_FILE,
                f"{self.filename}: {where}{error.message}",
                field="file",
            ) from error

    def _row(
        self, number: int, cells: list[str], problems: list[Problem], notes: list[str]
    ) -> _Row:
        width = len(cells)
        # Our field -> its cell, stripped ("" when the column is absent or the row short).
        value = {
            name: cells[position].strip() if position < width else ""
            for name, position in self.at.items()
        }
        problems_before = len(problems)
        try:
            external_id, recovered = clean_order_number(value["external_id"])
            if recovered:
                notes.append(
                    _("Row %(row)d: the order number %(raw)s was read as %(number)s.")
                    % {"row": number, "raw": value["external_id"], "number": external_id}
                )
        except OrderNumberError as error:
            external_id = ""
            problems.append(Problem(number, FIELD_LABELS["external_id"], str(error)))
        found = self.index.find(sku=value.get("sku", ""), gtin=value.get("gtin", ""))
        line = None
        if isinstance(found, str):
            problems.append(Problem(number, FIELD_LABELS["sku"], found))
        else:
            try:
                quantity = _quantity(value["quantity"], found)
                line = DraftLine(found, quantity, _price(value.get("unit_price", "")))
            except ValidationError as error:
                problems.append(Problem(number, FIELD_LABELS["quantity"], error.messages[0]))
            except ValueError as error:
                problems.append(Problem(number, "价格 / price", str(error)))
        return _Row(
            number,
            external_id,
            line if len(problems) == problems_before else None,
            value.get("recipient_name", ""),
            value.get("address", ""),
            cells[: len(self.header)],
        )

    def _checked(self, result: FileCheck) -> Iterator[tuple[object, ...]]:
        """Each non-empty row with an order number, checked, as it is stored; its problems
        and notes go to `result`."""
        for number, cells in enumerate(self._rows, start=2):
            if not any(cells):
                continue
            row = self._row(number, cells, result.problems, result.notes)
            if not row.external_id:
                continue
            line = row.line
            product, price = (line.product, line.unit_price) if line else (None, None)
            if product is not None:
                result.product_ids.add(product.pk)
            yield (
                row.position,
                row.external_id,
                product.pk if product else None,
                product.seller_id if product else None,
                str(line.quantity) if line else None,
                None if price is None else str(price),
                row.recipient_name,
                row.address,
                *row.cells,
            )

    def check(self) -> FileCheck:
        """The pass over the file: every bad row named; an order with a bad row, or with
        products of several sellers, is left out whole."""
        result = FileCheck()
        self._stored.add(self._checked(result))
        self._stored.group()
        for position, external_id in self._stored.mixed_rows():
            result.problems.append(
                Problem(
                    position,
                    FIELD_LABELS["sku"],
                    _("Order %(number)s holds products of several sellers; import it per seller.")
                    % {"number": external_id},
                )
            )
        result.bad_orders = self._stored.left_out()
        result.problems.sort(key=lambda problem: problem.position)
        return result

    def drafts(self) -> Iterator[OrderDraft]:
        """The good orders, each as a single pass would complete it: in the order of their
        last rows (after check())."""
        for external_id, group in itertools.groupby(
            self._stored.good_rows(), key=lambda row: row.external_id
        ):
            rows = list(group)
            first = rows[0]
            yield OrderDraft(
                external_id=external_id,
                lines=[self._line(row) for row in rows],
                recipient_name=first.recipient_name,
                address=first.address,
                raw=[self._raw(row.cells) for row in rows],
                positions=[row.position for row in rows],
            )

    def _line(self, row: GoodRow) -> DraftLine:
        return DraftLine(
            self.index.by_id[row.product_id],
            Decimal(row.quantity),
            None if row.unit_price is None else Decimal(row.unit_price),
        )

    def _raw(self, cells: tuple[str | None, ...]) -> dict[str, str]:
        return {
            name: cell
            for name, cell in zip(self.header, cells, strict=True)
            if name and cell is not None
        }


def read_order_json(*, orders: Any, products: QuerySet[Product]) -> ParsedOrders:
    """The API's `orders` list; each bad order named by index and field."""
    parsed = ParsedOrders()
    if not isinstance(orders, list) or not orders:
        parsed.problems.append(Problem(0, "orders", _("Give a list of orders.")))
        return parsed
    if len(orders) > MAX_API_ORDERS:
        parsed.problems.append(
            Problem(0, "orders", _("At most %(n)d orders per request.") % {"n": MAX_API_ORDERS})
        )
        return parsed
    index = ProductIndex(products)
    seen: set[str] = set()
    for position, order in enumerate(orders):
        problems = _check_json_order(position, order, index, seen, parsed)
        parsed.problems.extend(problems)
    return parsed


def _check_json_order(
    position: int, order: Any, index: ProductIndex, seen: set[str], parsed: ParsedOrders
) -> list[Problem]:
    if not isinstance(order, dict):
        return [Problem(position, "", _("An order is an object."))]
    problems: list[Problem] = []
    raw_number = order.get("external_id")
    external_id = ""
    if not isinstance(raw_number, str | int) or isinstance(raw_number, bool):
        problems.append(
            Problem(position, "external_id", _("Give the platform's order number as text."))
        )
    else:
        try:
            external_id, _recovered = clean_order_number(str(raw_number))
        except OrderNumberError as error:
            problems.append(Problem(position, "external_id", str(error)))
    if external_id and external_id in seen:
        problems.append(
            Problem(position, "external_id", _("This order number is given twice in the request."))
        )
    seen.add(external_id)
    lines_in = order.get("lines")
    lines: list[DraftLine] = []
    if not isinstance(lines_in, list) or not lines_in:
        problems.append(Problem(position, "lines", _("The order has no lines.")))
        lines_in = []
    for number, line in enumerate(lines_in):
        where = f"lines[{number}]"
        if not isinstance(line, dict):
            problems.append(Problem(position, where, _("A line is an object.")))
            continue
        product_id = line.get("product_id")
        product = (
            index.by_id.get(product_id)
            if isinstance(product_id, int) and not isinstance(product_id, bool)
            else None
        )
        if product is None:
            problems.append(
                Problem(
                    position, f"{where}.product_id", _("None of your products on sale has this id.")
                )
            )
            continue
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, str | int | float):
            problems.append(Problem(position, f"{where}.quantity", _("Quantity must be a number.")))
            continue
        try:
            lines.append(DraftLine(product, _quantity(str(quantity), product)))
        except ValidationError as error:
            problems.append(Problem(position, f"{where}.quantity", error.messages[0]))
    if lines and len({line.product.seller_id for line in lines}) > 1:
        problems.append(
            Problem(
                position, "lines", _("An order holds products of one seller; send one per seller.")
            )
        )
    if not problems:
        parsed.drafts.append(
            OrderDraft(external_id=external_id, lines=lines, raw=[order], positions=[position])
        )
    return problems
