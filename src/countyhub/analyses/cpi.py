"""A county's own CPI table: reading its values (typed, or a CSV/XLSX file), and the snapshot a
run keeps of it, turned into the engine's :class:`~countyhub.analysis.deflate.CPITable` the way
`countyhub analyze before-after --cpi FILE` reads a file (levels as they are; previous-year = 100
values chained), so a web run with the county's table equals the CLI with the same table."""

from __future__ import annotations

import io
import re
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from countyhub.core.tabular import TableError, read_table

if TYPE_CHECKING:
    from countyhub.analyses.models import CPISeries
    from countyhub.analysis.deflate import CPITable

NATIONAL_RURAL = "national_rural"
COUNTY = "county"
YEAR_HEADERS = {"year", "年份", "年"}
INDEX_HEADERS = {"cpi", "index", "指数", "cpi指数"}
FIRST_YEAR, LAST_YEAR = 1950, 2100
MAX_INDEX = Decimal("99999999")


class CPIInputError(Exception):
    """Values that cannot be a CPI table; the message names the line, or the row and column."""


def _year(text: str) -> int | None:
    if not re.fullmatch(r"\d{4}", text):
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def _index(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if (
        not value.is_finite()
        or value <= 0
        or value >= MAX_INDEX
        or value != value.quantize(Decimal("0.0001"))
    ):
        return None
    return value


def parse_values_text(text: str) -> dict[int, Decimal]:
    """Lines ``YEAR: INDEX`` (or ``YEAR,INDEX``, ``YEAR INDEX``); every bad line named."""
    values: dict[int, Decimal] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = [part for part in re.split(r"[\s:：,，=\t]+", line) if part]
        year = _year(parts[0]) if len(parts) == 2 else None
        index = _index(parts[1]) if len(parts) == 2 else None
        if year is None or index is None:
            raise CPIInputError(
                _(
                    "Values, line %(line)d: write YEAR: INDEX, a year from %(first)d to %(last)d "
                    "and a positive index with at most 4 decimals (not %(text)s)."
                )
                % {"line": number, "first": FIRST_YEAR, "last": LAST_YEAR, "text": line}
            )
        if year in values:
            raise CPIInputError(
                _("Values, line %(line)d: the year %(year)d is given twice.")
                % {"line": number, "year": year}
            )
        values[year] = index
    return values


def parse_values_file(data: bytes, filename: str) -> dict[int, Decimal]:
    """A CSV (UTF-8 or GB18030) or XLSX with columns ``year`` and ``cpi``; every bad cell named
    by its row and column, the first one found refuses the whole file."""
    name = PurePath(filename).name
    try:
        rows = read_table(io.BytesIO(data), filename)
    except TableError as error:
        if error.row:
            where = _("row %(row)d, column %(column)d") % {"row": error.row, "column": error.column}
            raise CPIInputError(f"{name}: {where}: {error.message}") from error
        raise CPIInputError(f"{name}: {error.message}") from error
    if not rows:
        raise CPIInputError(_("%(name)s: the file is empty.") % {"name": name})
    header = [cell.strip().lower() for cell in rows[0]]
    year_column = next((i for i, title in enumerate(header) if title in YEAR_HEADERS), None)
    index_column = next((i for i, title in enumerate(header) if title in INDEX_HEADERS), None)
    if year_column is None or index_column is None:
        raise CPIInputError(
            _(
                "%(name)s: row 1: the header needs a column year and a column cpi "
                "(found: %(found)s)."
            )
            % {"name": name, "found": ", ".join(rows[0]) or "—"}
        )
    values: dict[int, Decimal] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        cells = row + [""] * len(header)
        year_text, index_text = cells[year_column].strip(), cells[index_column].strip()
        # A spreadsheet may store the year 2020 as the number 2020.0.
        year = _year(year_text.removesuffix(".0"))
        if year is None:
            raise CPIInputError(
                _(
                    "%(name)s: row %(row)d, column %(column)d (year): %(cell)s is not a year "
                    "from %(first)d to %(last)d."
                )
                % {
                    "name": name,
                    "row": number,
                    "column": year_column + 1,
                    "cell": year_text or _("(blank)"),
                    "first": FIRST_YEAR,
                    "last": LAST_YEAR,
                }
            )
        index = _index(index_text)
        if index is None:
            raise CPIInputError(
                _(
                    "%(name)s: row %(row)d, column %(column)d (cpi): %(cell)s is not a positive "
                    "index with at most 4 decimals."
                )
                % {
                    "name": name,
                    "row": number,
                    "column": index_column + 1,
                    "cell": index_text or _("(blank)"),
                }
            )
        if year in values:
            raise CPIInputError(
                _(
                    "%(name)s: row %(row)d, column %(column)d (year): the year %(year)d is "
                    "given twice."
                )
                % {"name": name, "row": number, "column": year_column + 1, "year": year}
            )
        values[year] = index
    return values


def snapshot(series: CPISeries) -> dict[str, Any]:
    """What a run keeps of the county's table (its values as written, so a repeat is exact)."""
    return {
        "series": series.pk,
        "name": series.name,
        "definition": series.definition,
        "base": series.base,
        "source": series.source,
        "values": {str(v.year): str(v.index) for v in series.values.order_by("year")},
    }


def label(table: dict[str, Any]) -> str:
    """How the results name the county's table."""
    base = f", {table['base']}" if table.get("base") else ""
    return f"county CPI: {table['name']}{base}"


def cpi_table(options: dict[str, Any]) -> CPITable | None:
    """The engine's CPI table for a run's options; None for the shipped national rural CPI."""
    from countyhub.analysis.deflate import CHAINED, LEVELS, CPITable, chain_previous_year

    if options.get("cpi", NATIONAL_RURAL) != COUNTY:
        return None
    table = options["cpi_table"]
    # As the CLI reads a file: the written number parsed as a float.
    values = {int(year): float(text) for year, text in table["values"].items()}
    if table["definition"] == "previous_year_100":
        levels, kind = chain_previous_year(values), CHAINED
    else:
        levels, kind = values, LEVELS
    return CPITable(name=label(table), levels=levels, status={}, kind=kind, source=table["source"])
