"""Indicator data for PLS-SEM: reading only the columns a model needs, and missing values.

CSV is parsed with the standard library (no pandas import) so that `countyhub analyze sem` starts
fast; Excel goes through openpyxl and Parquet through pyarrow, each imported by its own reader
only (about 0.5 s each), so a CSV estimate never pays for them. Every problem names the file, the
column and the row.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from countyhub.analysis.errors import DataError
from countyhub.analysis.files import check_exists, table_kind

MISSING_METHODS = ("listwise", "mean")


@dataclass(frozen=True)
class IndicatorTable:
    """Named numeric columns (NaN = missing) and where they came from."""

    names: tuple[str, ...]
    values: np.ndarray
    source: str = "data"
    # 1-based positions of the rows in the source (file lines for CSV), for messages.
    row_labels: tuple[str, ...] = ()

    def row_label(self, index: int) -> str:
        return self.row_labels[index] if self.row_labels else f"row {index + 1}"


@dataclass(frozen=True)
class PreparedData:
    """Indicator values after missing-value handling, with what was done to them."""

    values: np.ndarray
    raw: np.ndarray
    missing: str
    dropped_rows: int
    filled_cells: int


NaMarkers = str | float | Sequence[str | float] | None


@dataclass(frozen=True)
class Markers:
    """The missing-value markers: blank cells always, plus the ``--na`` markers given, nothing else
    (no silent "NA", "nan" or "inf": a cell that is not a number or a marker is an error)."""

    texts: frozenset[str]
    numbers: frozenset[float]

    @classmethod
    def of(cls, na: NaMarkers) -> Markers:
        given = [] if na is None else [na] if isinstance(na, str | int | float) else list(na)
        texts = {str(m).strip() for m in given}
        numbers = set()
        for text in texts:
            try:
                numbers.add(float(text))
            except ValueError:
                continue
        return cls(frozenset(texts), frozenset(numbers))

    def blank_out(self, matrix: np.ndarray) -> None:
        """Set the numeric markers to NaN in place."""
        for number in self.numbers:
            matrix[matrix == number] = np.nan


def read_header(path: str | Path) -> list[str]:
    """Column names of a CSV, Excel or Parquet file."""
    path = Path(path)
    check_exists(path)
    kind = table_kind(path)
    if kind == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
        if not header:
            raise DataError(f"{path}: the file is empty (no header line)")
        return [h.strip() for h in header]
    if kind == "excel":
        return [str(c) for c in _excel_rows(path, header_only=True)[0]]
    import pyarrow.parquet as pq  # lazy: see the module docstring

    return list(pq.read_schema(path).names)


def read_indicators(
    path: str | Path, columns: Sequence[str], *, na: NaMarkers = None
) -> IndicatorTable:
    """Read the named columns of a data file as floats (blank cells and ``na`` are missing)."""
    path = Path(path)
    header = read_header(path)
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path}: no column named {', '.join(map(repr, missing))}")
    duplicated = sorted({c for c in columns if header.count(c) > 1})
    if duplicated:
        raise DataError(f"{path}: column {', '.join(map(repr, duplicated))} appears twice")
    kind = table_kind(path)
    markers = Markers.of(na)
    if kind == "csv":
        return _read_csv(path, header, columns, markers)
    if kind == "excel":
        return _read_excel(path, columns, markers)
    return _read_parquet(path, columns, markers)


def _read_csv(path: Path, header: list[str], columns: Sequence[str], na: Markers) -> IndicatorTable:
    positions = [header.index(c) for c in columns]
    try:
        # numpy's C reader handles the common, complete numeric file ten times faster; anything
        # it refuses (blank cells, words, ragged lines) goes through the careful reader below.
        # Every column is read so that a line with too many fields is noticed too. A file with
        # only a header makes numpy warn "input contained no data"; prepare() says it plainly.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            everything = np.loadtxt(
                path,
                delimiter=",",
                skiprows=1,
                quotechar='"',
                ndmin=2,
                dtype=np.float64,
                encoding="utf-8-sig",
            )
        if everything.shape[1] != len(header) or not np.isfinite(everything).all():
            # numpy reads "nan" and "inf" as numbers: the careful reader names them instead.
            raise ValueError("field count differs from the header, or a non-finite cell")
    except ValueError:
        return _read_csv_carefully(path, header, columns, positions, na)
    matrix = np.ascontiguousarray(everything[:, positions])
    na.blank_out(matrix)
    return IndicatorTable(tuple(columns), matrix.reshape(-1, len(columns)), str(path))


def _records_to_table(
    path: Path,
    records: Iterable[tuple[str, Sequence[Any]]],
    columns: Sequence[str],
    positions: list[int],
    na: Markers,
) -> IndicatorTable:
    """Convert (location, record) pairs cell by cell; a bad cell is named by location."""
    rows: list[list[float]] = []
    labels: list[str] = []
    for where, record in records:
        if all(cell is None or str(cell).strip() == "" for cell in record):
            continue  # a blank line is not an observation
        values = []
        for name, position in zip(columns, positions, strict=True):
            cell = record[position] if position < len(record) else None
            text = cell.strip() if isinstance(cell, str) else cell
            if text is None or text == "" or str(text) in na.texts:
                values.append(math.nan)
                continue
            try:
                number = float(text)
            except (TypeError, ValueError):
                number = math.nan
            if not math.isfinite(number):
                raise DataError(
                    f"{path}, {where}: column {name!r}, row {len(rows) + 1}: "
                    f"{text!r} is not a number (missing values are blank cells or a --na marker)"
                ) from None
            values.append(math.nan if number in na.numbers else number)
        rows.append(values)
        labels.append(f"row {len(rows)} ({where})")
    matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(columns))
    return IndicatorTable(tuple(columns), matrix, str(path), tuple(labels))


def _read_csv_carefully(
    path: Path,
    header: list[str],
    columns: Sequence[str],
    positions: list[int],
    na: Markers,
) -> IndicatorTable:
    def records() -> Iterator[tuple[str, list[str]]]:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader)
            for record in reader:
                line = reader.line_num
                if record and any(c.strip() for c in record) and len(record) != len(header):
                    raise DataError(
                        f"{path}, line {line}: {len(record)} fields where the header has "
                        f"{len(header)}"
                    )
                yield f"line {line}", record

    return _records_to_table(path, records(), columns, positions, na)


def _excel_rows(path: Path, *, header_only: bool = False) -> list[tuple[Any, ...]]:
    import openpyxl  # lazy: see the module docstring

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a bad workbook
        raise DataError(f"{path}: cannot be read as an Excel workbook: {exc}") from exc
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True, max_row=1 if header_only else None))
    workbook.close()
    if not rows:
        raise DataError(f"{path}: the first sheet is empty")
    return rows


def _read_excel(path: Path, columns: Sequence[str], na: Markers) -> IndicatorTable:
    rows = _excel_rows(path)
    header = [str(c) for c in rows[0]]
    positions = [header.index(c) for c in columns]
    records = ((f"sheet row {number}", row) for number, row in enumerate(rows[1:], start=2))
    return _records_to_table(path, records, columns, positions, na)


def _read_parquet(path: Path, columns: Sequence[str], na: Markers) -> IndicatorTable:
    import pyarrow.parquet as pq  # lazy: see the module docstring

    table = pq.read_table(path, columns=list(columns))
    arrays = []
    for name in columns:
        column = table.column(name)
        try:
            array = column.to_numpy(zero_copy_only=False).astype(np.float64)
        except (TypeError, ValueError):
            values = column.to_pylist()
            row = next(i for i, v in enumerate(values) if not _is_number(v))
            raise DataError(
                f"{path}: column {name!r}, row {row + 1}: {values[row]!r} is not a number"
            ) from None
        na.blank_out(array)
        arrays.append(array)
    matrix = np.column_stack(arrays) if arrays else np.empty((table.num_rows, 0))
    return IndicatorTable(tuple(columns), matrix, str(path))


def _is_number(value: object) -> bool:
    if value is None:
        return True
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def table_from_frame(frame: Any, columns: Sequence[str], *, na: NaMarkers = None) -> IndicatorTable:
    """Take the named columns of a pandas DataFrame (or any mapping of columns) as floats."""
    source = getattr(frame, "attrs", {}).get("source", "data")
    available = list(frame.columns) if hasattr(frame, "columns") else list(frame)
    missing = [c for c in columns if c not in available]
    if missing:
        raise DataError(f"{source}: no column named {', '.join(map(repr, missing))}")
    arrays = []
    for name in columns:
        raw = np.asarray(frame[name], dtype=object)
        try:
            array = np.array(frame[name], dtype=np.float64)  # a copy: markers are set in place
        except (TypeError, ValueError):
            row = next(i for i, v in enumerate(raw) if not _is_number(v))
            raise DataError(
                f"{source}: column {name!r}, row {row + 1}: {raw[row]!r} is not a number"
            ) from None
        Markers.of(na).blank_out(array)
        arrays.append(array)
    n = len(arrays[0]) if arrays else 0
    matrix = np.column_stack(arrays) if arrays else np.empty((n, 0))
    return IndicatorTable(tuple(columns), np.ascontiguousarray(matrix), source)


def prepare(table: IndicatorTable, missing: str = "listwise") -> PreparedData:
    """Apply the missing-value method and check that every column can be standardized."""
    if missing not in MISSING_METHODS:
        raise DataError(
            f"missing-value method {missing!r}: use one of {', '.join(MISSING_METHODS)}"
        )
    raw = table.values
    if raw.shape[0] == 0:
        raise DataError(f"{table.source}: no data rows (the table has only its header)")
    absent = np.isnan(raw)
    empty = [table.names[j] for j in np.flatnonzero(absent.all(axis=0))]
    if empty:
        consequence = (
            "listwise deletion would drop every row"
            if missing == "listwise"
            else "there is no mean to replace its missing values with"
        )
        raise DataError(
            f"{table.source}: column {', '.join(map(repr, empty))} has no values (missing in "
            f"every row), so {consequence}; drop it from the model or check the --na markers"
        )
    if missing == "listwise":
        keep = ~absent.any(axis=1)
        values = np.ascontiguousarray(raw[keep])
        dropped, filled = int((~keep).sum()), 0
    else:
        values = raw.copy()
        counts = (~absent).sum(axis=0)
        means = np.nansum(raw, axis=0) / counts
        rows, cols = np.nonzero(absent)
        values[rows, cols] = means[cols]
        dropped, filled = 0, int(absent.sum())
    _check_variance(table, values, missing)
    return PreparedData(values, raw, missing, dropped, filled)


def _check_variance(table: IndicatorTable, values: np.ndarray, missing: str) -> None:
    if values.shape[0] < 2:
        after = " after listwise deletion" if missing == "listwise" else ""
        raise DataError(f"{table.source}: {values.shape[0]} complete rows{after}; need more")
    spread = values.max(axis=0) - values.min(axis=0)
    constant = [table.names[j] for j in np.flatnonzero(spread == 0)]
    if constant:
        raise DataError(
            f"{table.source}: column {', '.join(map(repr, constant))} is constant "
            f"(value {values[0, table.names.index(constant[0])]:g} in every row): "
            "it cannot be standardized"
        )


def read_labels(path: str | Path, column: str) -> list[Any]:
    """The cells of one column as they are (e.g. group labels), one per data row.

    Rows are counted as :func:`read_indicators` counts them (blank lines are not rows), so the
    labels line up with the indicator rows.
    """
    path = Path(path)
    header = read_header(path)
    if column not in header:
        raise DataError(f"{path}: no column named {column!r}")
    position = header.index(column)
    kind = table_kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq  # lazy: see the module docstring

        values: list[Any] = pq.read_table(path, columns=[column]).column(column).to_pylist()
        return values
    if kind == "excel":
        records: Iterable[Sequence[Any]] = _excel_rows(path)[1:]
        rows = list(records)
    else:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            next(reader)
            rows = list(reader)
    return [
        record[position] if position < len(record) else None
        for record in rows
        if not all(cell is None or str(cell).strip() == "" for cell in record)
    ]
