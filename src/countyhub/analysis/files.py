"""Which table files the analysis reads, by suffix (no pandas here: the PLS-SEM reader uses it)."""

from __future__ import annotations

from pathlib import Path

from countyhub.analysis.errors import DataError

SUPPORTED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet", ".pq")


def table_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "excel"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise DataError(
        f"{path}: unsupported file type {suffix or '(none)'!r}; use one of "
        + ", ".join(SUPPORTED_SUFFIXES)
    )


def check_exists(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a data file")
