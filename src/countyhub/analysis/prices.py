"""Prices paid against reference prices, on data frames: quantity-weighted unit prices, a price
index over a basket, and the mean price difference with its confidence interval.

The living-costs side of the impact report (issue 15): the one randomized study of village
e-commerce found its gains in lower prices, not in producers' income (Couture, Faber, Gu & Liu
2021), so the report compares what villagers paid through the stations with what the county's
own shops charge, and says when the difference cannot be told apart from zero.

- Weighted unit price of a group of purchase lines: ``sum(amount) / sum(quantity)``, which is
  the quantity-weighted mean of the lines' unit prices (``amount = quantity x unit price``).
- Price index: ``100 x sum(p1 x q) / sum(p0 x q)`` over the items that have both prices, with
  ``p0`` the base (reference) prices and ``q`` the basket given; with the base period's (here:
  the base place's) quantities it is Laspeyres' form, with the compared side's it is Paasche's.
  The caller says which basket it passes.
- Mean difference: the mean of the values with the t interval ``mean +- t(1 - a/2, n - 1) x s /
  sqrt(n)`` (``s`` the sample standard deviation), the lines taken as independent draws.

References
----------
Couture, V., Faber, B., Gu, Y. and Liu, L. (2021). Connecting the Countryside via E-Commerce:
Evidence from China. American Economic Review: Insights 3(1), 35-50.
ILO et al. (2020). Consumer Price Index Manual: Concepts and Methods, ch. 2 (Laspeyres and
Paasche indices).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from countyhub.analysis.errors import DataError
from countyhub.analysis.tables import require_columns, require_numeric


def _numeric(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    require_columns(frame, columns)
    source = frame.attrs.get("source", "data")
    copy = frame.copy()
    copy.attrs = {"source": source}
    require_numeric(copy, columns)
    return copy


def _refuse(frame: pd.DataFrame, column: str, bad: np.ndarray, need: str) -> None:
    if bad.any():
        position = int(bad.nonzero()[0][0])
        source = frame.attrs.get("source", "data")
        raise DataError(
            f"{source}: column {column!r}, row {position + 1}: "
            f"{frame[column].iloc[position]!r} is not {need}"
        )


def unit_prices(
    lines: pd.DataFrame,
    by: Sequence[str],
    *,
    quantity: str = "quantity",
    amount: str = "amount",
) -> pd.DataFrame:
    """Quantity-weighted unit price of each group of purchase lines.

    Parameters
    ----------
    lines : DataFrame
        One row per purchase line: the grouping columns, the quantity bought (> 0) and the
        amount paid for it (>= 0), both net of anything given back.
    by : sequence of str
        The grouping columns (e.g. item and year).

    Returns
    -------
    DataFrame
        One row per group: ``by``, ``quantity`` and ``amount`` (sums), ``lines`` (count) and
        ``price`` = amount / quantity.
    """
    require_columns(lines, list(by))
    frame = _numeric(lines, [quantity, amount])
    q = frame[quantity].to_numpy(dtype=float)
    a = frame[amount].to_numpy(dtype=float)
    _refuse(frame, quantity, ~(np.isfinite(q) & (q > 0)), "a quantity > 0")
    _refuse(frame, amount, ~(np.isfinite(a) & (a >= 0)), "an amount >= 0")
    columns = ["quantity", "amount", "lines", "price"]
    if frame.empty:
        return pd.DataFrame(columns=[*by, *columns])
    grouped = (
        pd.DataFrame({**{c: frame[c] for c in by}, "quantity": q, "amount": a, "lines": 1})
        .groupby(list(by), sort=True, dropna=False)
        .sum()
        .reset_index()
    )
    grouped["price"] = grouped["amount"] / grouped["quantity"]
    return grouped[[*by, *columns]]


@dataclass(frozen=True)
class PriceIndex:
    """``value`` = 100 x compared / base over ``items`` items (NaN when none has both prices);
    ``left_out`` counts the rows without one of the prices or with no quantity."""

    value: float
    compared: float
    base: float
    items: int
    left_out: int

    def to_dict(self) -> dict[str, Any]:
        return {
            k: None if isinstance(v, float) and math.isnan(v) else v
            for k, v in asdict(self).items()
        }


def price_index(
    frame: pd.DataFrame,
    *,
    price: str,
    base_price: str,
    quantity: str,
) -> PriceIndex:
    """A fixed-basket price index of ``price`` against ``base_price``.

    ``100 x sum(price x quantity) / sum(base_price x quantity)`` over the rows with both prices
    and a positive quantity; the others are left out and counted. Below 100, the compared prices
    are lower than the base prices for that basket.
    """
    data = _numeric(frame, [price, base_price, quantity])
    p1 = data[price].to_numpy(dtype=float)
    p0 = data[base_price].to_numpy(dtype=float)
    q = data[quantity].to_numpy(dtype=float)
    for column, values in ((price, p1), (base_price, p0), (quantity, q)):
        known = ~np.isnan(values)
        _refuse(data, column, known & ~(np.isfinite(values) & (values >= 0)), "a number >= 0")
    used = ~np.isnan(p1) & ~np.isnan(p0) & ~np.isnan(q) & (q > 0) & (p0 > 0)
    compared = float((p1[used] * q[used]).sum())
    base = float((p0[used] * q[used]).sum())
    value = 100 * compared / base if used.any() else math.nan
    return PriceIndex(value, compared, base, int(used.sum()), int((~used).sum()))


def relative_differences(
    frame: pd.DataFrame, *, price: str, base_price: str, percent: bool = True
) -> pd.Series:
    """Each row's ``(price - base_price) / base_price`` (x 100 when ``percent``); a row without
    a base price gives NaN."""
    data = _numeric(frame, [price, base_price])
    p0 = data[base_price]
    _refuse(data, base_price, (p0.notna() & ~(p0 > 0)).to_numpy(), "a price > 0")
    ratio = (data[price] - p0) / p0
    return ratio * 100 if percent else ratio


@dataclass(frozen=True)
class MeanDifference:
    """The mean of the differences with its t interval. Null hypothesis: mean difference = 0.

    With fewer than two values the interval is NaN (and with none the mean too)."""

    mean: float
    ci_low: float
    ci_high: float
    std_error: float
    n: int
    level: float = 0.95
    null: str = "mean difference = 0"

    @property
    def has_interval(self) -> bool:
        return not math.isnan(self.ci_low)

    @property
    def distinguishable_from_zero(self) -> bool:
        """The interval excludes zero; False when there is no interval."""
        return self.has_interval and not (self.ci_low <= 0 <= self.ci_high)

    def to_dict(self) -> dict[str, Any]:
        values = {
            k: None if isinstance(v, float) and math.isnan(v) else v
            for k, v in asdict(self).items()
        }
        return {**values, "distinguishable_from_zero": self.distinguishable_from_zero}


def mean_difference(values: Sequence[float] | pd.Series, *, level: float = 0.95) -> MeanDifference:
    """Mean of ``values`` with its ``level`` t confidence interval; missing values left out.

    Examples
    --------
    >>> round(mean_difference([-2.0, 0.0, -4.0]).ci_low, 4)
    -6.9683
    """
    if not 0 < level < 1:
        raise DataError(f"level {level!r} is not between 0 and 1")
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if not np.isfinite(array).all():
        raise DataError("a difference is infinite")
    n = int(array.size)
    if n == 0:
        return MeanDifference(math.nan, math.nan, math.nan, math.nan, 0, level)
    mean = float(array.mean())
    if n == 1:
        return MeanDifference(mean, math.nan, math.nan, math.nan, 1, level)
    std_error = float(array.std(ddof=1) / math.sqrt(n))
    half = float(stats.t.ppf(1 - (1 - level) / 2, n - 1)) * std_error
    return MeanDifference(mean, mean - half, mean + half, std_error, n, level)
