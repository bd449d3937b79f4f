"""The checked rows of an order file, kept on disk between checking the file and importing it.

An order's rows may lie anywhere in a file, so its orders are known only once every row has
been read. Held in Python, that grouping grows with the file; here it lives in a private SQLite
database in a temporary file (deleted when closed), which groups and sorts on disk with a page
cache of fixed size, whatever the file's size. It is SQLite on every database the project runs
on: the rows never reach the project's database, and the importing thread and the thread that
reads ahead may use it in turn.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple


class GoodRow(NamedTuple):
    """A row of an order kept: every row of it has its product."""

    position: int
    external_id: str
    product_id: int
    # Decimals as their exact text.
    quantity: str
    unit_price: str | None
    recipient_name: str
    address: str
    # The row's cells under the file's header; None past the end of a short row.
    cells: tuple[str | None, ...]


class OrderRows:
    """Rows added in the file's order (`add`), then grouped once (`group`) into orders, left
    out whole when one of their rows is bad or their products have several sellers."""

    def __init__(self, *, width: int) -> None:
        """`width`: the number of the file's columns, each kept in a column of its own (a
        cheaper row to write than any encoding of the cells in one)."""
        # "": a private temporary database; check_same_thread: the read-ahead thread reads it
        # after the importing thread wrote it, never both at once.
        self.db = sqlite3.connect("", check_same_thread=False, isolation_level=None)
        cells = "".join(f", c{n} TEXT" for n in range(width))
        self.db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE row (
                position INTEGER PRIMARY KEY,
                external_id TEXT NOT NULL,
                product_id INTEGER,
                seller_id INTEGER,
                quantity TEXT,
                unit_price TEXT,
                recipient_name TEXT NOT NULL,
                address TEXT NOT NULL{cells}
            );
            """
        )
        self.width = width
        # The rows in one transaction: one per row would write the file's pages each time.
        self.db.execute("BEGIN")

    def add(self, rows: Iterable[Sequence[object]]) -> None:
        """Rows of (position, order number, product id, seller id, quantity, unit price,
        recipient, address, the cells...), without a product (and seller, quantity and
        price) when bad, with at most `width` cells."""
        self.db.executemany(
            f"INSERT INTO row VALUES ({', '.join('?' * (8 + self.width))})",
            (row if len(row) == 8 + self.width else _padded(row, 8 + self.width) for row in rows),
        )

    def group(self) -> None:
        """Each order's last row, and whether it is bad or mixed; after the last `add`."""
        self.db.execute("COMMIT")
        self.db.executescript(
            """
            CREATE TABLE "order" AS
            SELECT external_id,
                   max(position) AS last,
                   count(*) > count(product_id) AS bad,
                   count(DISTINCT seller_id) > 1 AS mixed
            FROM row GROUP BY external_id;
            CREATE UNIQUE INDEX order_number ON "order" (external_id);
            """
        )

    def left_out(self) -> int:
        """How many orders are left out."""
        (count,) = self.db.execute('SELECT count(*) FROM "order" WHERE bad OR mixed').fetchone()
        return int(count)

    def mixed_rows(self) -> Iterator[tuple[int, str]]:
        """(position, order number) of each row of an order without a bad row but with
        products of several sellers, in file order."""
        yield from self.db.execute(
            'SELECT row.position, row.external_id FROM row JOIN "order" USING (external_id) '
            "WHERE mixed AND NOT bad ORDER BY row.position"
        )

    def good_rows(self) -> Iterator[GoodRow]:
        """The rows of the orders kept, an order's rows together and in file order, the orders
        in the order of their last rows (as a single pass over the file completes them)."""
        cells = "".join(f", c{n}" for n in range(self.width))
        for values in self.db.execute(
            "SELECT row.position, row.external_id, product_id, quantity, unit_price, "
            f'recipient_name, address{cells} FROM row JOIN "order" USING (external_id) '
            "WHERE NOT (bad OR mixed) ORDER BY last, row.position"
        ):
            yield GoodRow._make((*values[:7], values[7:]))

    def close(self) -> None:
        self.db.close()


def _padded(row: Sequence[object], length: int) -> tuple[object, ...]:
    return (*row, *(None,) * (length - len(row)))
