"""China's rural poverty line and the share of respondents under it.

The line is 2,300 yuan per person per year at 2010 prices. The official yearly values in current
prices (3,218 yuan for 2019, about 4,000 for 2020) are *not* 2,300 times the CPI: 2,300 x the
national rural CPI gives about 2,876 for 2019. The two are different series, so they stay apart:

- ``official``: the published yearly table (2010-2020), with a status per year carried into
  every output. A year the table lacks is refused; no official value is invented.
- ``cpi_indexed``: 2,300 x CPI(year) / CPI(2010), a separately labelled alternative for any year
  the CPI covers, marked "not official" wherever it appears.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from countyhub.analysis.deflate import CPITable, weakest_status
from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.report import new_figure
from countyhub.analysis.summary import Cell, SummaryTable
from countyhub.analysis.tables import read_frame, require_columns, require_numeric

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LINE_2010_YUAN = 2300.0
LINE_PRICE_YEAR = 2010
OFFICIAL: Final = "official"
CPI_INDEXED: Final = "cpi_indexed"
LineMethod = Literal["official", "cpi_indexed"]
CPI_INDEXED_STATUS = "not official: 2,300 yuan at 2010 prices x CPI"


class PovertyLineUnavailableError(AnalysisError):
    """The official table has no value for a year; no official value is invented for it."""


@dataclass(frozen=True)
class PovertyLine:
    """The poverty line of one year, in that year's prices (yuan per person per year)."""

    year: int
    yuan: float
    method: str
    status: str
    source: str

    @property
    def label(self) -> str:
        if self.method == OFFICIAL:
            return f"official poverty line {self.year} ({self.status})"
        return f"CPI-indexed poverty line {self.year} (not official)"


@dataclass(frozen=True)
class OfficialPovertyLines:
    """The official line by year in current prices, with the status and source of each value."""

    yuan: Mapping[int, float]
    status: Mapping[int, str]
    sources: Mapping[int, str] = field(default_factory=dict)
    name: str = "official rural poverty line"

    def coverage(self) -> str:
        years = sorted(self.yuan)
        return f"{years[0]}-{years[-1]}" if years else "no years"

    def line(self, year: int) -> PovertyLine:
        """The official line of ``year``; refuses a year the table does not publish."""
        if year not in self.yuan:
            raise PovertyLineUnavailableError(
                f"the {self.name} table has no value for {year} (it covers {self.coverage()}); "
                "no official value is invented. Use the separately labelled CPI-indexed line "
                "(2,300 yuan at 2010 prices x CPI) for both years instead, or give a table "
                "that has the year"
            )
        return PovertyLine(
            year=year,
            yuan=self.yuan[year],
            method=OFFICIAL,
            status=self.status.get(year, "user-supplied"),
            source=self.sources.get(year, ""),
        )


def official_poverty_lines() -> OfficialPovertyLines:
    """The official rural poverty line table shipped with countyhub (2010-2020)."""
    file = resources.files("countyhub.analysis").joinpath("data", "poverty_line.csv")
    with resources.as_file(file) as path:
        frame = pd.read_csv(path)
    years = frame["year"].astype(int)
    yuan = frame["yuan_per_person_year_current_prices"].astype(float)
    return OfficialPovertyLines(
        yuan=dict(zip(years, yuan, strict=True)),
        status=dict(zip(years, frame["status"].astype(str), strict=True)),
        sources=dict(zip(years, frame["source"].astype(str), strict=True)),
        name="official rural poverty line (shipped with countyhub)",
    )


def read_poverty_lines(path: str | Path) -> OfficialPovertyLines:
    """Read a user's poverty line table: ``year,yuan`` in current prices, optional ``status``."""
    frame = read_frame(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    require_columns(frame, ["year", "yuan"], role="poverty line column")
    require_numeric(frame, ["year", "yuan"])
    for position, (year, yuan) in enumerate(zip(frame["year"], frame["yuan"], strict=True)):
        where = f"{path}: row {position + 1} (file line {position + 2})"
        if not (math.isfinite(float(year)) and float(year) == int(year)):
            raise DataError(f"{where}: year {year!r} is not a whole number")
        if not (math.isfinite(float(yuan)) and float(yuan) > 0):
            raise DataError(f"{where}: yuan {yuan!r} must be a positive number")
    years = frame["year"].astype(int)
    if years.duplicated().any():
        raise DataError(f"{path}: year {int(years[years.duplicated()].iloc[0])} appears twice")
    status = {}
    if "status" in frame.columns:
        status = {
            int(y): s.strip()
            for y, s in zip(years, frame["status"], strict=True)
            if isinstance(s, str) and s.strip()
        }
    return OfficialPovertyLines(
        yuan=dict(zip(years, frame["yuan"].astype(float), strict=True)),
        status=status,
        sources={int(y): str(path) for y in years},
        name=f"poverty line from {Path(path).name}",
    )


def cpi_indexed_line(year: int, cpi: CPITable) -> PovertyLine:
    """2,300 yuan at 2010 prices carried to ``year`` prices with ``cpi`` (not an official value)."""
    yuan = LINE_2010_YUAN * cpi.factor(year=LINE_PRICE_YEAR, base_year=year)
    links = cpi.statuses(cpi.published_years(LINE_PRICE_YEAR, year))
    return PovertyLine(
        year=year,
        yuan=yuan,
        method=CPI_INDEXED,
        status=CPI_INDEXED_STATUS,
        source=f"{cpi.describe()}; CPI values used: {weakest_status(links.values())}",
    )


def poverty_line(
    year: int,
    *,
    method: LineMethod = OFFICIAL,
    official: OfficialPovertyLines | None = None,
    cpi: CPITable | None = None,
) -> PovertyLine:
    """The line of ``year`` in that year's prices by the chosen method (never mixed silently)."""
    if method == OFFICIAL:
        return (official or official_poverty_lines()).line(year)
    if method == CPI_INDEXED:
        if cpi is None:
            raise AnalysisError("the CPI-indexed poverty line needs a CPI table")
        return cpi_indexed_line(year, cpi)
    raise AnalysisError(f"unknown poverty line method {method!r}; use 'official' or 'cpi_indexed'")


def share_below(values: np.ndarray, line: float) -> float:
    """The share of values strictly below the line (a person exactly on the line is not poor)."""
    if len(values) == 0:
        return math.nan
    return float((values < line).mean())


@dataclass(frozen=True)
class PovertyShares:
    """Share of respondents under the poverty line before and after (value < line)."""

    measure: str
    method: str
    year_before: int
    year_after: int
    prices: str
    line_before: float
    line_after: float
    line_before_current: float
    line_after_current: float
    line_before_status: str
    line_after_status: str
    line_before_source: str
    line_after_source: str
    n: int
    count_before: int
    count_after: int
    share_before: float
    share_after: float

    @property
    def label(self) -> str:
        if self.method == OFFICIAL:
            return "official poverty line (published yearly values in current prices)"
        return "CPI-indexed poverty line: 2,300 yuan at 2010 prices x CPI (NOT the official line)"

    def to_dict(self) -> dict[str, Any]:
        return _json_safe(
            {
                "measure": self.measure,
                "line_before": self.line_before,
                "line_after": self.line_after,
                "share_before": self.share_before,
                "share_after": self.share_after,
                "line_before_status": self.line_before_status,
                "line_after_status": self.line_after_status,
                "line_method": self.method,
                "line_label": self.label,
                "line_before_source": self.line_before_source,
                "line_after_source": self.line_after_source,
                "year_before": self.year_before,
                "year_after": self.year_after,
                "prices": self.prices,
                "line_before_current_prices": self.line_before_current,
                "line_after_current_prices": self.line_after_current,
                "n": self.n,
                "count_before": self.count_before,
                "count_after": self.count_after,
                "rule": "under the line: value < line",
            }
        )

    def table(self) -> SummaryTable:
        rows: list[tuple[str, Sequence[Cell]]] = [
            (
                f"before ({self.year_before})",
                [
                    self.line_before,
                    self.line_before_current,
                    self.line_before_status,
                    self.count_before,
                    self.share_before,
                ],
            ),
            (
                f"after ({self.year_after})",
                [
                    self.line_after,
                    self.line_after_current,
                    self.line_after_status,
                    self.count_after,
                    self.share_after,
                ],
            ),
        ]
        return SummaryTable(
            title=f"Under the poverty line: {self.measure}",
            columns=[f"line ({self.prices})", "line (current prices)", "status", "under", "share"],
            rows=rows,
            note=f"{self.label}; n = {self.n}; under means value < line",
        )

    def figure(self) -> Figure:
        fig = new_figure(width=4.5, height=3.2)
        ax = fig.subplots()
        labels = [str(self.year_before), str(self.year_after)]
        shares = [self.share_before * 100, self.share_after * 100]
        bars = ax.bar(labels, shares, color=["#9fb3c8", "#2f6f9f"])
        ax.bar_label(bars, labels=[f"{s:.1f}%" for s in shares])
        ax.set_ylim(0, max(max(shares) * 1.15, 1.0))  # room for the labels above the bars
        ax.set_ylabel(f"% under the line ({self.measure})")
        ax.set_title(
            "CPI-indexed line (not official)"
            if self.method == CPI_INDEXED
            else "Official poverty line",
            fontsize=9,
        )
        return fig


def _json_safe(record: dict[str, Any]) -> dict[str, Any]:
    """NaN is not JSON: an undefined share becomes null."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in record.items()}
