"""The seller's sales report: sales by product and calendar month (the county's time zone),
built once and rendered as a table, a chart and CSV."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from countyhub.core.spreadsheets import SafeCsvWriter
from countyhub.shop import selectors


@dataclass(frozen=True)
class ProductRow:
    name: str
    values: tuple[Decimal, ...]  # one per month of the report

    @property
    def total(self) -> Decimal:
        return sum(self.values, Decimal("0.00"))


@dataclass(frozen=True)
class SalesReport:
    months: tuple[str, ...]  # "YYYY-MM", oldest first
    rows: tuple[ProductRow, ...]  # best-selling product first

    @classmethod
    def build(cls, *, seller_ids: list[int], months: list[datetime.date]) -> SalesReport:
        """The report over `months` (first days, oldest first), e.g. `selectors.last_months()`."""
        labels = tuple(f"{month:%Y-%m}" for month in months)
        rows = tuple(
            ProductRow(name, tuple(values.get(label, Decimal("0.00")) for label in labels))
            for name, values in selectors.product_month_sales(seller_ids=seller_ids, months=months)
        )
        return cls(labels, rows)

    @property
    def monthly(self) -> list[tuple[str, Decimal]]:
        """(month, total of all products) for each month: the chart's bars."""
        return [
            (month, sum((row.values[i] for row in self.rows), Decimal("0.00")))
            for i, month in enumerate(self.months)
        ]

    @property
    def total(self) -> Decimal:
        return sum((row.total for row in self.rows), Decimal("0.00"))

    def csv(self) -> bytes:
        """The table as CSV: a product a row, a month a column, amounts in yuan."""
        buffer = io.StringIO()
        writer = SafeCsvWriter(buffer)
        writer.writerow(["product", *self.months, "total"])
        for row in self.rows:
            writer.writerow([row.name, *row.values, row.total])
        writer.writerow(["total", *(total for _month, total in self.monthly), self.total])
        # A byte-order mark so that spreadsheet programs read the Chinese names as UTF-8.
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
