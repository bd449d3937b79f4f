"""Means of subgroups and the differences between them, with Welch intervals.

Who gains from village e-commerce differs by household (the one randomized study found gains
for a younger, richer, more remote minority), so each effect is split by subgroup: the mean of
each group, and for every pair of groups the difference of their means with a Welch
(unequal-variance) t interval::

    d = mean_a - mean_b,  se = sqrt(s_a^2 / n_a + s_b^2 / n_b)
    df = se^4 / ((s_a^2 / n_a)^2 / (n_a - 1) + (s_b^2 / n_b)^2 / (n_b - 1))   (Welch-Satterthwaite)
    interval = d -+ t_{(1 + confidence) / 2, df} * se,  p = 2 * P(T_df > |d / se|)

with s^2 the sample variance (n - 1). This is what ``scipy.stats.ttest_ind(a, b,
equal_var=False)`` computes; the units are the rows given (households), unweighted. A group with
fewer than two values has no variance, so no difference with it gets a number: it gets a reason
(:data:`TOO_FEW`) instead. When neither group varies the difference is exact but has no interval
(:data:`NO_SPREAD`). Missing values are left out of their group and counted, never read as zero.

Bands (age of the household head, distance to the county seat) turn a number into a group:
:func:`assign_bands` with half-open bands ``[low, high)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from countyhub.analysis.errors import DataError
from countyhub.analysis.tables import require_columns, require_numeric

# Why a difference has no interval.
TOO_FEW = "too_few"  # a group has fewer than two values
NO_SPREAD = "no_spread"  # neither group varies: the difference is exact, without an interval
MIN_GROUP = 2


@dataclass(frozen=True)
class Band:
    """Values from ``low`` (inclusive; None: no lower end) to ``high`` (exclusive; None: open)."""

    key: str
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"band {self.key!r}: low {self.low} must be below high {self.high}")

    def contains(self, value: float) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value < self.high)


def assign_bands(values: pd.Series, bands: Sequence[Band]) -> pd.Series:
    """The key of the band each value falls in; None for a missing value or one outside every
    band. Bands must not overlap (a value in two bands is refused)."""
    keys = [band.key for band in bands]
    if len(set(keys)) != len(keys):
        raise DataError(f"band keys repeat: {', '.join(keys)}")
    result: list[str | None] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            result.append(None)
            continue
        number = float(value)
        found = [band.key for band in bands if band.contains(number)]
        if len(found) > 1:
            raise DataError(f"bands overlap: {number} is in {', '.join(found)}")
        result.append(found[0] if found else None)
    return pd.Series(result, index=values.index, dtype=object)


@dataclass(frozen=True)
class GroupSummary:
    group: str
    n: int  # rows with a value
    missing: int  # rows of the group without a value
    mean: float | None
    sd: float | None  # sample standard deviation; None below two values


@dataclass(frozen=True)
class Difference:
    """``mean(first) - mean(second)`` with its Welch interval, or the reason it has none."""

    first: str
    second: str
    n_first: int
    n_second: int
    confidence: float
    estimate: float | None = None
    se: float | None = None
    df: float | None = None
    t: float | None = None
    p: float | None = None
    low: float | None = None
    high: float | None = None
    reason: str = ""  # TOO_FEW or NO_SPREAD when there is no interval

    @property
    def distinguishable(self) -> bool | None:
        """Whether the interval excludes zero; None when there is no interval."""
        if self.low is None or self.high is None:
            return None
        return self.low > 0 or self.high < 0


@dataclass(frozen=True)
class GroupComparison:
    value: str
    group: str
    confidence: float
    groups: list[GroupSummary]
    differences: list[Difference]
    ungrouped: int  # rows in no group of ``order`` (e.g. no birth year recorded)

    def summary(self, group: str) -> GroupSummary:
        return next(g for g in self.groups if g.group == group)


def _clean(values: Sequence[float] | np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    kept: np.ndarray = array[~np.isnan(array)]
    return kept


def welch_difference(
    first: Sequence[float] | np.ndarray,
    second: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    names: tuple[str, str] = ("first", "second"),
) -> Difference:
    """The difference of the means of ``first`` and ``second`` (NaN left out) with its Welch
    interval at ``confidence``."""
    if not 0 < confidence < 1:
        raise DataError(f"confidence {confidence} must be between 0 and 1")
    a, b = _clean(first), _clean(second)
    base = Difference(names[0], names[1], len(a), len(b), confidence)
    if len(a) < MIN_GROUP or len(b) < MIN_GROUP:
        return replace(base, reason=TOO_FEW)
    estimate = float(a.mean() - b.mean())
    va, vb = float(a.var(ddof=1)) / len(a), float(b.var(ddof=1)) / len(b)
    se = math.sqrt(va + vb)
    if se == 0:
        return replace(base, estimate=estimate, se=0.0, reason=NO_SPREAD)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    t = estimate / se
    critical = float(stats.t.ppf((1 + confidence) / 2, df))
    return replace(
        base,
        estimate=estimate,
        se=se,
        df=df,
        t=t,
        p=float(2 * stats.t.sf(abs(t), df)),
        low=estimate - critical * se,
        high=estimate + critical * se,
    )


def compare_groups(
    frame: pd.DataFrame,
    value: str,
    group: str,
    order: Sequence[str],
    *,
    confidence: float = 0.95,
) -> GroupComparison:
    """The mean of ``value`` in each group of ``group`` (in ``order``, every one listed even when
    empty) and, for every pair in that order, the difference first minus second."""
    require_columns(frame, [value, group])
    frame = frame.copy()
    require_numeric(frame, [value])
    inside = frame[group].isin(list(order))
    summaries, samples = [], {}
    for name in order:
        column = frame.loc[frame[group] == name, value].astype(float)
        values = column.dropna().to_numpy()
        samples[name] = values
        summaries.append(
            GroupSummary(
                group=name,
                n=len(values),
                missing=int(column.isna().sum()),
                mean=float(values.mean()) if len(values) else None,
                sd=float(values.std(ddof=1)) if len(values) >= MIN_GROUP else None,
            )
        )
    differences = [
        welch_difference(samples[a], samples[b], confidence=confidence, names=(a, b))
        for index, a in enumerate(order)
        for b in order[index + 1 :]
    ]
    return GroupComparison(
        value=value,
        group=group,
        confidence=confidence,
        groups=summaries,
        differences=differences,
        ungrouped=int((~inside).sum()),
    )


__all__ = [
    "NO_SPREAD",
    "TOO_FEW",
    "Band",
    "Difference",
    "GroupComparison",
    "GroupSummary",
    "assign_bands",
    "compare_groups",
    "welch_difference",
]
