"""Reading survey and panel tables (CSV, Excel .xlsx, Parquet) with messages that name the place.

``read_frame`` gives a pandas DataFrame for the estimators that work on frames (DiD, before/after).
Missing values: blank cells, plus the markers given in ``na`` (SmartPLS users write -99), and
nothing else: pandas' own list ("NA", "null", "n/a", "nan"...) is not applied silently, so a stray
word is reported as not a number instead of quietly becoming missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from countyhub.analysis.errors import DataError
from countyhub.analysis.files import check_exists, table_kind


def read_frame(path: str | Path, *, na: Iterable[str] = ()) -> pd.DataFrame:
    """Read a table into a DataFrame; ``na`` markers and blank cells become missing values."""
    path = Path(path)
    check_exists(path)
    kind = table_kind(path)
    markers = [str(m) for m in na]
    try:
        if kind == "csv":
            frame = pd.read_csv(
                path, na_values=["", *markers], keep_default_na=False, skipinitialspace=True
            )
        elif kind == "excel":
            frame = pd.read_excel(path, na_values=["", *markers], keep_default_na=False)
        else:
            frame = pd.read_parquet(path)
        # read_excel matches na_values against text cells only and read_parquet not at all, so a
        # numeric -99 would survive as a value; CSV has already applied them.
        numeric = [m for m in map(_parse_marker, markers) if isinstance(m, float)]
        if numeric and kind != "csv":
            frame = frame.replace(dict.fromkeys(numeric, float("nan")))
    except DataError:
        raise
    except Exception as exc:  # the readers raise many types; the person needs the file and cause
        raise DataError(f"{path}: cannot be read as {kind}: {exc}") from exc
    if frame.columns.duplicated().any():
        dupes = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise DataError(f"{path}: duplicate column names: {', '.join(dupes)}")
    frame.attrs["source"] = str(path)
    return frame


def _parse_marker(marker: str) -> float | str:
    try:
        return float(marker)
    except ValueError:
        return marker


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, role: str = "column") -> None:
    """Raise a DataError naming every requested column the table does not have."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        source = frame.attrs.get("source", "data")
        raise DataError(
            f"{source}: no {role} named {', '.join(repr(m) for m in missing)}; "
            f"columns are: {', '.join(map(str, frame.columns))}"
        )


def require_numeric(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """Raise a DataError naming the first non-numeric cell (column and 1-based data row)."""
    source = frame.attrs.get("source", "data")
    for column in columns:
        series = frame[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        if bad.any():
            position = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(
                f"{source}: column {column!r}, row {position + 1} (file line {position + 2}): "
                f"{series.iloc[position]!r} is not a number"
            )
        frame[column] = converted
