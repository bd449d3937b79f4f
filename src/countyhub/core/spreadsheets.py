"""Cells that a spreadsheet program opens as text, never as a formula (OWASP "CSV injection").

A product name, a payee or a note typed as `=HYPERLINK("http://evil", "click")` would run as a
formula when county staff open an export in Excel or WPS. Text starting with one of the characters
that begin a formula gets a leading apostrophe, which spreadsheet programs show as plain text.
Numbers stay numbers: only text is touched.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class SafeCsvWriter:
    """`csv.writer` whose every text cell goes through `safe_cell`."""

    def __init__(self, stream: Any, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
