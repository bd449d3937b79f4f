"""Consumer price index tables and deflation of money to the prices of a base year.

Two kinds of CPI table come in. Official Chinese tables (NBS, national or provincial, rural or
urban) give each year's index with the *previous year = 100*; those are chained into levels. A
user's own table with columns ``year,cpi`` gives index *levels* on any base (2010 = 100,
2015 = 100, ...); only ratios of levels are used, so the base does not matter.

The table shipped with countyhub is the national rural CPI (previous year = 100), with a status
per year (``sourced`` / ``unverified``) that every output carries for the years it uses.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.tables import read_frame, require_columns, require_numeric

LEVELS = "index levels"
CHAINED = "previous year = 100, chained"
USER_STATUS = "user-supplied"
_STATUS_RANK = {"sourced": 0, USER_STATUS: 1, "secondary": 2, "approximate": 3, "unverified": 4}


@dataclass(frozen=True)
class CPITable:
    """Index levels by year, with the status of each year's published value.

    Parameters
    ----------
    name : str
        What the index is, as shown in every output ("national rural CPI (NBS)").
    levels : Mapping[int, float]
        Index level by year, on any base.
    status : Mapping[int, str]
        Status of the published value of each year (``sourced``, ``unverified``, ...).
    kind : str
        ``"index levels"`` for a levels table, ``"previous year = 100, chained"`` when the levels
        were chained from year-on-year indices; decides which published values a conversion uses.
    source : str
        Where the values come from.
    """

    name: str
    levels: Mapping[int, float]
    status: Mapping[int, str]
    kind: str = LEVELS
    source: str = ""
    sources: Mapping[int, str] = field(default_factory=dict)

    @property
    def years(self) -> list[int]:
        return sorted(self.levels)

    def coverage(self) -> str:
        years = self.years
        return f"{years[0]}-{years[-1]}" if years else "no years"

    def level(self, year: int) -> float:
        """The index level of ``year``; an AnalysisError names the table's years if it is absent."""
        try:
            return self.levels[year]
        except KeyError:
            raise AnalysisError(
                f"the CPI table ({self.name}) has no value for {year}; it covers {self.coverage()}"
            ) from None

    def factor(self, *, year: int, base_year: int) -> float:
        """Multiply money of ``year``'s prices by this to express it in ``base_year`` prices."""
        return self.level(base_year) / self.level(year)

    def to_base_year(self, values: np.ndarray, *, year: int, base_year: int) -> np.ndarray:
        """Deflate (or inflate) an array of money in ``year`` prices to ``base_year`` prices."""
        return values * self.factor(year=year, base_year=base_year)

    def published_years(self, year: int, base_year: int) -> list[int]:
        """The years whose published values a conversion between the two years rests on.

        A chained table links ``year`` to ``base_year`` through every year-on-year index in
        between (the later year of each link); a levels table uses the two levels only.
        """
        self.level(year)
        self.level(base_year)
        low, high = sorted((year, base_year))
        if self.kind == CHAINED:
            return list(range(low + 1, high + 1))
        return sorted({low, high})

    def statuses(self, years: Iterable[int]) -> dict[int, str]:
        return {y: self.status.get(y, USER_STATUS) for y in sorted(set(years))}

    def describe(self) -> str:
        return f"{self.name} ({self.kind})"


def weakest_status(statuses: Iterable[str]) -> str:
    """The least trustworthy of the statuses ('sourced' only when every one is sourced)."""
    ranked = sorted(set(statuses), key=lambda s: _STATUS_RANK.get(s, len(_STATUS_RANK)))
    return ranked[-1] if ranked else "none used"


def chain_previous_year(indices: Mapping[int, float]) -> dict[int, float]:
    """Turn year-on-year indices (previous year = 100) into levels with (first year - 1) = 100.

    The first year's index links it to the year before, which is therefore the level base; the
    years must be consecutive, since a gap would break the chain.
    """
    years = sorted(indices)
    if not years:
        raise AnalysisError("the CPI table has no rows")
    for earlier, later in itertools.pairwise(years):
        if later != earlier + 1:
            raise AnalysisError(
                f"a previous-year = 100 CPI needs consecutive years to chain; "
                f"{earlier} is followed by {later}"
            )
    levels = {years[0] - 1: 100.0}
    for year in years:
        levels[year] = levels[year - 1] * indices[year] / 100.0
    return levels


def national_rural_cpi() -> CPITable:
    """The shipped national rural CPI (NBS, previous year = 100), chained into levels."""
    with resources.as_file(_data_file("rural_cpi.csv")) as path:
        frame = pd.read_csv(path)
    indices = dict(
        zip(frame["year"].astype(int), frame["rural_cpi_prev_year_100"].astype(float), strict=True)
    )
    status = dict(zip(frame["year"].astype(int), frame["status"].astype(str), strict=True))
    sources = dict(zip(frame["year"].astype(int), frame["source"].astype(str), strict=True))
    return CPITable(
        name="national rural CPI (NBS), shipped with countyhub",
        levels=chain_previous_year(indices),
        status=status,
        kind=CHAINED,
        source="National Bureau of Statistics annual price index tables; see status per year",
        sources=sources,
    )


def read_cpi(path: str | Path) -> CPITable:
    """Read a user's CPI table: ``year,cpi`` index levels on any base (CSV, XLSX or Parquet).

    A column named ``cpi_prev_year_100`` (or ending in ``prev_year_100``, as in the shipped
    ``rural_cpi.csv``) instead of ``cpi`` is read as year-on-year indices and chained.
    Optional ``status`` and ``source`` columns are carried into the outputs.
    """
    frame = read_frame(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    value_column = _value_column(frame.columns, path)
    require_columns(frame, ["year"], role="CPI column")
    require_numeric(frame, ["year", value_column])
    for position, (year, value) in enumerate(zip(frame["year"], frame[value_column], strict=True)):
        where = f"{path}: row {position + 1} (file line {position + 2})"
        if _missing(year) or _missing(value):
            raise DataError(f"{where}: year and {value_column} must both be given")
        if float(year) != int(year):
            raise DataError(f"{where}: year {year!r} is not a whole number")
        if not math.isfinite(float(value)) or float(value) <= 0:
            raise DataError(f"{where}: {value_column} {value!r} must be a positive number")
    years = frame["year"].astype(int)
    duplicated = years[years.duplicated()]
    if not duplicated.empty:
        raise DataError(f"{path}: year {int(duplicated.iloc[0])} appears more than once")
    values = dict(zip(years, frame[value_column].astype(float), strict=True))
    status = _text_column(frame, "status", years)
    sources = _text_column(frame, "source", years)
    if value_column == "cpi":
        levels, kind = dict(values), LEVELS
    else:
        levels, kind = _chain_for_file(values, path), CHAINED
    return CPITable(
        name=f"CPI from {Path(path).name}",
        levels=levels,
        status=status,
        kind=kind,
        source=str(path),
        sources=sources,
    )


def _value_column(columns: Iterable[str], path: str | Path) -> str:
    columns = list(columns)
    if "cpi" in columns:
        return "cpi"
    chained = [c for c in columns if c.endswith("prev_year_100")]
    if len(chained) == 1:
        return chained[0]
    raise DataError(
        f"{path}: a CPI table needs a 'cpi' column (index levels, any base) or one "
        f"'cpi_prev_year_100' column (previous year = 100); columns are: {', '.join(columns)}"
    )


def _chain_for_file(values: dict[int, float], path: str | Path) -> dict[int, float]:
    try:
        return chain_previous_year(values)
    except AnalysisError as exc:
        raise DataError(f"{path}: {exc}") from None


def _text_column(frame: pd.DataFrame, column: str, years: pd.Series) -> dict[int, str]:
    if column not in frame.columns:
        return {}
    return {
        int(y): str(v).strip()
        for y, v in zip(years, frame[column], strict=True)
        if not _missing(v) and str(v).strip()
    }


def _missing(value: Any) -> bool:
    """Whether a cell read from a table is missing (NaN, None, pd.NA or NaT)."""
    return bool(pd.isna(value))


def _data_file(name: str) -> resources.abc.Traversable:
    return resources.files("countyhub.analysis").joinpath("data", name)
