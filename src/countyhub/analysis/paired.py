"""Before/after comparisons of the same respondents: paired t test, Wilcoxon, Cohen's dz, poverty.

Specify -> fit -> results::

    model = BeforeAfter(frame, id="household", pairs={"income": ("income_2020", "income_2022")},
                        money=["income"], year_before=2020, year_after=2022, base_year=2020,
                        poverty="income", poverty_line="cpi_indexed")
    result = model.fit()
    print(result.summary); result.to_dict(); result.to_html()

Money measures are deflated with a CPI table to the prices of the base year before anything is
computed. Respondents with a missing value in a pair are dropped for that measure only.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy
from scipy import stats

from countyhub import __version__
from countyhub.analysis.deflate import CPITable, national_rural_cpi, weakest_status
from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.paired_results import (
    BeforeAfterResults,
    CPIUse,
    PairedTestResult,
)
from countyhub.analysis.poverty import (
    CPI_INDEXED,
    LINE_PRICE_YEAR,
    OFFICIAL,
    LineMethod,
    OfficialPovertyLines,
    PovertyLine,
    PovertyShares,
    official_poverty_lines,
    poverty_line,
    share_below,
)
from countyhub.analysis.tables import require_columns, require_numeric

__all__ = ["BeforeAfter", "BeforeAfterResults", "CPIUse", "PairedTestResult", "PovertyShares"]

EXACT_LIMIT = 50  # scipy's own limit for the exact signed-rank distribution


class BeforeAfter:
    """Specify a before/after comparison; ``fit()`` computes it.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent.
    id : str
        The respondent identifier column (must be present and unique).
    pairs : Mapping[str, tuple[str, str]]
        Measure name -> (before column, after column).
    money : Sequence[str]
        Measures (names in ``pairs``) to deflate to ``base_year`` prices with ``cpi``.
    cpi : CPITable, optional
        The price index; the shipped national rural CPI when money or a CPI-indexed line needs one.
    year_before, year_after : int, optional
        Survey years; needed for deflation and for the poverty line.
    base_year : int, optional
        The year whose prices money is expressed in; needed with ``money``.
    poverty : str, optional
        A per-capita money measure (a name in ``pairs``) to compare with the poverty line.
    poverty_line : {"official", "cpi_indexed"}
        The published yearly line, or 2,300 yuan at 2010 prices x CPI (labelled not official).
    poverty_lines : OfficialPovertyLines, optional
        A table to use instead of the shipped official line.

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative science.
    Frontiers in Psychology 4:863 (Cohen's dz for paired designs).
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin 1(6).
    """

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        id: str,
        pairs: Mapping[str, tuple[str, str]],
        money: Sequence[str] = (),
        cpi: CPITable | None = None,
        year_before: int | None = None,
        year_after: int | None = None,
        base_year: int | None = None,
        poverty: str | None = None,
        poverty_line: LineMethod = OFFICIAL,
        poverty_lines: OfficialPovertyLines | None = None,
    ) -> None:
        self.id = id
        self.pairs = _check_pairs(pairs)
        self.money = tuple(dict.fromkeys(money))
        self.year_before, self.year_after, self.base_year = year_before, year_after, base_year
        self.poverty = poverty
        self.poverty_line = poverty_line
        self.source = str(data.attrs.get("source", "data"))
        _check_names(self.pairs, self.money, poverty)
        self.cpi = self._check_cpi(cpi)
        self.poverty_lines = self._check_poverty(poverty_lines)
        self.data = _check_data(data, id, self.pairs)

    def _check_cpi(self, cpi: CPITable | None) -> CPITable | None:
        years = {"year_before": self.year_before, "year_after": self.year_after}
        if self.money:
            missing = [k for k, v in {**years, "base_year": self.base_year}.items() if v is None]
            if missing:
                raise AnalysisError(
                    f"deflating {', '.join(self.money)} needs {', '.join(missing)} "
                    "(the survey years and the year whose prices to express money in)"
                )
        elif self.base_year is not None:
            raise AnalysisError("a base year is given but no money measure to deflate")
        needs_cpi = bool(self.money) or (self.poverty and self.poverty_line == CPI_INDEXED)
        if not needs_cpi:
            if cpi is not None:
                raise AnalysisError(
                    "a CPI table is given but nothing uses it: name the money measures to deflate"
                )
            return None
        cpi = cpi or national_rural_cpi()
        for year in (self.year_before, self.year_after, self.base_year):
            if year is not None:
                cpi.level(year)
        return cpi

    def _check_poverty(self, lines: OfficialPovertyLines | None) -> OfficialPovertyLines | None:
        if self.poverty is None:
            if lines is not None:
                raise AnalysisError("a poverty line table is given but no poverty measure")
            return None
        if self.year_before is None or self.year_after is None:
            raise AnalysisError(
                f"the poverty shares of {self.poverty!r} need year_before and year_after "
                "to pick each year's poverty line"
            )
        if self.poverty_line not in (OFFICIAL, CPI_INDEXED):
            raise AnalysisError(
                f"unknown poverty line {self.poverty_line!r}; use 'official' or 'cpi_indexed'"
            )
        if self.poverty_line == CPI_INDEXED:
            if lines is not None:
                raise AnalysisError(
                    "a poverty line table is given but the CPI-indexed line does not use it"
                )
            if self.cpi is not None:  # _check_cpi has supplied one for the CPI-indexed line
                self.cpi.level(LINE_PRICE_YEAR)
            return None
        lines = lines or official_poverty_lines()
        lines.line(self.year_before)
        lines.line(self.year_after)
        return lines

    def fit(
        self, *, confidence: float = 0.95, continuity_correction: bool = False
    ) -> BeforeAfterResults:
        """Compute every measure's paired tests and, if asked, the poverty shares.

        ``continuity_correction`` applies to the Wilcoxon test's normal approximation: off, as
        SPSS and scipy report it; on, as R's ``wilcox.test`` does by default. The exact test is
        never corrected. Every result names the variant used."""
        if not 0 < confidence < 1:
            raise AnalysisError(f"confidence must be between 0 and 1, not {confidence}")
        measures, warnings = {}, []
        for name, (before, after) in self.pairs.items():
            values_before, values_after, dropped = self._complete_pairs(name)
            result = _paired_test(
                name,
                (before, after),
                values_before,
                values_after,
                n_dropped=dropped,
                confidence=confidence,
                deflated=name in self.money,
                prices=self._prices(name),
                cpi_status=self._cpi_status(name),
                null=self._null(name),
                continuity_correction=continuity_correction,
            )
            measures[name] = result
            if result.sd_diff == 0:
                warnings.append(
                    f"{name}: every difference is {result.mean_diff:g}; t, p, CI width and dz "
                    "are undefined"
                )
        poverty = self._poverty_shares() if self.poverty else None
        return BeforeAfterResults(
            measures=measures,
            base_year=self.base_year,
            year_before=self.year_before,
            year_after=self.year_after,
            confidence=confidence,
            cpi=self._cpi_use(),
            poverty=poverty,
            warnings=tuple(warnings),
            meta=self._meta(),
        )

    def _complete_pairs(self, name: str) -> tuple[np.ndarray, np.ndarray, int]:
        """The pair's values (deflated if money) for respondents who have both; and the drops."""
        before, after = self.pairs[name]
        both = self.data[[before, after]].dropna()
        values_before = both[before].to_numpy(dtype=float)
        values_after = both[after].to_numpy(dtype=float)
        if name in self.money:
            cpi, base = self._deflator()
            values_before = cpi.to_base_year(
                values_before, year=self._year(self.year_before), base_year=base
            )
            values_after = cpi.to_base_year(
                values_after, year=self._year(self.year_after), base_year=base
            )
        return values_before, values_after, len(self.data) - len(both)

    def _deflator(self) -> tuple[CPITable, int]:
        if self.cpi is None or self.base_year is None:
            raise AnalysisError("deflating money needs a CPI table and a base year")
        return self.cpi, self.base_year

    @staticmethod
    def _year(year: int | None) -> int:
        if year is None:
            raise AnalysisError("the survey years are needed here")
        return year

    def _prices(self, name: str) -> str:
        if name in self.money:
            return f"{self.base_year} prices"
        return "as recorded"

    def _cpi_status(self, name: str) -> str | None:
        """The weakest status of the CPI values that deflated this measure (None if not money)."""
        if name not in self.money:
            return None
        cpi, base = self._deflator()
        years = {
            year
            for survey_year in (self._year(self.year_before), self._year(self.year_after))
            for year in cpi.published_years(survey_year, base)
        }
        return weakest_status(cpi.statuses(years).values())

    def _null(self, name: str) -> str:
        before, after = self.pairs[name]
        after_label = f"{after} ({self.year_after})" if self.year_after else after
        before_label = f"{before} ({self.year_before})" if self.year_before else before
        prices = f", in {self.base_year} prices" if name in self.money else ""
        return (
            f"mean of {after_label} - {before_label}{prices} = 0 (t test); "
            "those differences are symmetric about 0 (Wilcoxon signed-rank)"
        )

    def _cpi_use(self) -> CPIUse | None:
        if self.cpi is None:
            return None
        years = [self._year(self.year_before), self._year(self.year_after)]
        base = self.base_year
        used: set[int] = set()
        factors = {}
        if base is not None:  # money is deflated; so is the poverty line if the measure is money
            for year in years:
                used.update(self.cpi.published_years(year, base))
                factors[year] = self.cpi.factor(year=year, base_year=base)
        if self.poverty and self.poverty_line == CPI_INDEXED:
            for year in years:
                used.update(self.cpi.published_years(LINE_PRICE_YEAR, year))
        return CPIUse(
            name=self.cpi.name,
            kind=self.cpi.kind,
            source=self.cpi.source,
            base_year=base,
            factors=factors,
            statuses=self.cpi.statuses(used),
        )

    def _poverty_shares(self) -> PovertyShares:
        name = self.poverty or ""
        year_before, year_after = self._year(self.year_before), self._year(self.year_after)
        lines = [
            poverty_line(year, method=self.poverty_line, official=self.poverty_lines, cpi=self.cpi)
            for year in (year_before, year_after)
        ]
        in_prices = [self._line_in_measure_prices(name, line) for line in lines]
        values_before, values_after, _ = self._complete_pairs(name)
        return PovertyShares(
            measure=name,
            method=self.poverty_line,
            year_before=year_before,
            year_after=year_after,
            prices=self._prices(name) if name in self.money else "current prices of each year",
            line_before=in_prices[0],
            line_after=in_prices[1],
            line_before_current=lines[0].yuan,
            line_after_current=lines[1].yuan,
            line_before_status=lines[0].status,
            line_after_status=lines[1].status,
            line_before_source=lines[0].source,
            line_after_source=lines[1].source,
            n=len(values_before),
            count_before=int((values_before < in_prices[0]).sum()),
            count_after=int((values_after < in_prices[1]).sum()),
            share_before=share_below(values_before, in_prices[0]),
            share_after=share_below(values_after, in_prices[1]),
        )

    def _line_in_measure_prices(self, name: str, line: PovertyLine) -> float:
        """The line in the prices the measure is in: base-year prices if deflated, else current."""
        if name not in self.money:
            return line.yuan
        cpi, base = self._deflator()
        return line.yuan * cpi.factor(year=line.year, base_year=base)

    def _meta(self) -> dict[str, Any]:
        columns = [self.id, *{c for pair in self.pairs.values() for c in pair}]
        digest = hashlib.sha256(
            self.data[sorted(set(columns))].to_csv(index=False).encode()
        ).hexdigest()
        return {
            "countyhub": __version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "source": self.source,
            "id": self.id,
            "n_rows": len(self.data),
            "input_sha256": digest,
        }


def _paired_test(
    name: str,
    columns: tuple[str, str],
    before: np.ndarray,
    after: np.ndarray,
    *,
    n_dropped: int,
    confidence: float,
    deflated: bool,
    prices: str,
    cpi_status: str | None,
    null: str,
    continuity_correction: bool = False,
) -> PairedTestResult:
    n = len(before)
    if n < 2:
        raise AnalysisError(
            f"measure {name!r} ({columns[0]} -> {columns[1]}) has {n} complete pair(s) after "
            f"dropping {n_dropped} respondent(s) with a missing value; at least 2 are needed"
        )
    diff = after - before
    mean_diff = float(diff.mean())
    # Differences equal up to rounding (1.1 - 1.0 vs 2.1 - 2.0) are constant: SD exactly 0.
    constant = np.ptp(diff) <= 1e-12 * max(1.0, float(np.abs(diff).max()))
    sd_diff = 0.0 if constant else float(diff.std(ddof=1))
    std_error, statistic, pvalue, ci_low, ci_high = _t_test(mean_diff, sd_diff, n, confidence)
    wilcoxon_statistic, wilcoxon_pvalue, method = _wilcoxon(
        diff, continuity_correction=continuity_correction
    )
    return PairedTestResult(
        measure=name,
        before_column=columns[0],
        after_column=columns[1],
        n=n,
        n_dropped=n_dropped,
        mean_before=float(before.mean()),
        mean_after=float(after.mean()),
        mean_diff=mean_diff,
        sd_diff=sd_diff,
        std_error=std_error,
        statistic=statistic,
        df=n - 1,
        pvalue=pvalue,
        ci_low=ci_low,
        ci_high=ci_high,
        wilcoxon_statistic=wilcoxon_statistic,
        wilcoxon_pvalue=wilcoxon_pvalue,
        wilcoxon_method=method,
        n_zero_differences=int(np.count_nonzero(diff == 0)),
        dz=mean_diff / sd_diff if sd_diff > 0 else math.nan,
        deflated=deflated,
        prices=prices,
        cpi_status=cpi_status,
        confidence=confidence,
        ci_mean_before=_mean_interval(before, confidence),
        ci_mean_after=_mean_interval(after, confidence),
        null=null,
    )


def _t_test(
    mean_diff: float, sd_diff: float, n: int, confidence: float
) -> tuple[float, float, float, float, float]:
    """SE, t, two-sided p and the CI of the mean difference, computed from their definitions."""
    df = n - 1
    standard_error = sd_diff / math.sqrt(n)
    if sd_diff == 0:
        return standard_error, math.nan, math.nan, mean_diff, mean_diff
    t = mean_diff / standard_error
    p = float(2 * stats.t.sf(abs(t), df))
    margin = float(stats.t.ppf(0.5 + confidence / 2, df)) * standard_error
    return standard_error, t, p, mean_diff - margin, mean_diff + margin


def _mean_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    mean = float(values.mean())
    margin = (
        float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1))
        * float(values.std(ddof=1))
        / math.sqrt(len(values))
    )
    return mean - margin, mean + margin


def _wilcoxon(diff: np.ndarray, *, continuity_correction: bool) -> tuple[float, float, str]:
    """Signed-rank statistic, p and the variant actually used (chosen here, so it can be named)."""
    nonzero = diff[diff != 0]
    if len(nonzero) == 0:
        return math.nan, math.nan, "not computed: every difference is zero"
    has_zeros = len(nonzero) < len(diff)
    has_ties = len(np.unique(np.abs(nonzero))) < len(nonzero)
    exact = len(diff) <= EXACT_LIMIT and not (has_zeros or has_ties)
    method = "exact" if exact else "asymptotic"
    corrected = continuity_correction and not exact
    # scipy-stubs 1.17.1.5 lists method="asymptotic" only in the keepdims=True overload; scipy
    # 1.17 takes it either way (and no longer takes the old name "approx").
    result = stats.wilcoxon(  # type: ignore[call-overload]
        diff, zero_method="wilcox", correction=corrected, alternative="two-sided", method=method
    )
    label = "exact"
    if not exact:
        label = "normal approximation, tie-corrected" + (
            ", continuity-corrected (as R's wilcox.test)" if corrected else ""
        )
    return float(result.statistic), float(result.pvalue), label


def _check_pairs(pairs: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    if not pairs:
        raise AnalysisError("no measure to compare: give at least one before/after pair")
    checked = {}
    for name, pair in pairs.items():
        if not name or len(pair) != 2 or not all(pair):
            raise AnalysisError(
                f"pair {name!r}: expected a name with (before column, after column), got {pair!r}"
            )
        if pair[0] == pair[1]:
            raise AnalysisError(f"pair {name!r} uses column {pair[0]!r} for both before and after")
        checked[name] = (str(pair[0]), str(pair[1]))
    return checked


def _check_names(
    pairs: Mapping[str, tuple[str, str]], money: Sequence[str], poverty: str | None
) -> None:
    known = ", ".join(pairs)
    for name in money:
        if name not in pairs:
            raise AnalysisError(f"money measure {name!r} is not one of the pairs ({known})")
    if poverty is not None and poverty not in pairs:
        raise AnalysisError(f"poverty measure {poverty!r} is not one of the pairs ({known})")


def _check_data(
    data: pd.DataFrame, id_column: str, pairs: Mapping[str, tuple[str, str]]
) -> pd.DataFrame:
    """A validated copy of the columns used: the id present and unique, the values numeric."""
    columns = list(dict.fromkeys([c for pair in pairs.values() for c in pair]))
    require_columns(data, [id_column], role="id column")
    require_columns(data, columns)
    frame = data[[id_column, *[c for c in columns if c != id_column]]].copy()
    frame.attrs = dict(data.attrs)
    source = frame.attrs.get("source", "data")
    ids = frame[id_column]
    if ids.isna().any():
        row = int(ids.isna().to_numpy().nonzero()[0][0])
        raise DataError(
            f"{source}: id column {id_column!r}, row {row + 1} (file line {row + 2}) is empty"
        )
    duplicated = ids.duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = duplicated.nonzero()[0]
        first = ids.iloc[rows[0]]
        same = [int(r) + 1 for r in rows if ids.iloc[r] == first]
        raise DataError(
            f"{source}: id {first!r} in column {id_column!r} appears on rows "
            f"{', '.join(map(str, same))}; each respondent needs one row"
        )
    require_numeric(frame, columns)
    for column in columns:
        values = frame[column].to_numpy(dtype=float, na_value=np.nan)
        infinite = np.isinf(values)
        if infinite.any():
            row = int(infinite.nonzero()[0][0])
            raise DataError(
                f"{source}: column {column!r}, row {row + 1} (file line {row + 2}): "
                f"{values[row]} is not a finite number"
            )
        frame[column] = values
    return frame
