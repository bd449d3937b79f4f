"""Poverty and inequality measures on data frames: Foster-Greer-Thorbecke and the Gini coefficient.

FGT(alpha) = sum_i w_i * max(0, (z_i - y_i) / z_i) ** alpha * [y_i < z_i] / sum_i w_i, with
alpha 0 the headcount ratio, 1 the poverty gap and 2 the squared gap (severity). A person exactly
on the line is not poor (as in :mod:`countyhub.analysis.poverty`). The line ``z`` is one number or
a column (each row's year has its own line: take it from ``poverty_line``, official or
CPI-indexed, and keep the label with the result).

Gini: half the weighted mean absolute difference over the mean, the population form by default
(``small_sample=True`` multiplies by n / (n - 1)). Weights are population weights (household
members x sampling weight); negative incomes are refused, since the Gini can then exceed 1.
Missing incomes are left out and counted, never read as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyhub.analysis.errors import DataError
from countyhub.analysis.tables import require_columns, require_numeric


@dataclass(frozen=True)
class PovertyMeasures:
    """FGT 0/1/2 and the Gini of one group, with the counts behind them."""

    n: int
    missing: int
    weight_total: float
    poor: int
    headcount: float
    gap: float
    squared_gap: float
    gini: float

    def to_dict(self) -> dict[str, Any]:
        return {
            k: None if isinstance(v, float) and math.isnan(v) else v
            for k, v in asdict(self).items()
        }


def _clean(
    frame: pd.DataFrame, income: str, *, line: float | str | None, weight: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int]:
    """Incomes, weights and lines of the rows with an income; refuses bad values by row."""
    columns = [income] + [c for c in (weight, line) if isinstance(c, str)]
    require_columns(frame, columns)
    source = frame.attrs.get("source", "data")
    frame = frame[columns].copy()
    frame.attrs = {"source": source}
    require_numeric(frame, columns)
    present = frame[income].notna().to_numpy()
    values = frame[income].to_numpy(dtype=float)
    for column in columns[1:]:
        cells = frame[column].to_numpy(dtype=float)
        bad = present & ~(np.isfinite(cells) & (cells > 0 if column == line else cells >= 0))
        if bad.any():
            position = int(bad.nonzero()[0][0])
            need = "a positive number" if column == line else "a number >= 0"
            raise DataError(
                f"{source}: column {column!r}, row {position + 1}: {float(cells[position])!r} "
                f"is not {need}"
            )
    negative = present & (values < 0)
    if negative.any():
        position = int(negative.nonzero()[0][0])
        raise DataError(
            f"{source}: column {income!r}, row {position + 1}: {float(values[position])!r} is "
            "negative; "
            "the Gini and FGT measures are defined for incomes >= 0"
        )
    weights = frame[weight].to_numpy(dtype=float)[present] if weight else np.ones(present.sum())
    lines = None
    if isinstance(line, str):
        lines = frame[line].to_numpy(dtype=float)[present]
    return values[present], weights, lines, int((~present).sum())


def fgt(
    frame: pd.DataFrame,
    income: str,
    *,
    line: float | str,
    alpha: float,
    weight: str | None = None,
) -> float:
    """FGT(alpha) of ``income`` against ``line`` (a number or a column of lines per row)."""
    values, weights, lines, _ = _clean(frame, income, line=line, weight=weight)
    return _fgt(values, weights, lines if lines is not None else _scalar_line(line), alpha)


def _scalar_line(line: float | str) -> float:
    value = float(line)
    if not (math.isfinite(value) and value > 0):
        raise DataError(f"poverty line {line!r} must be a positive number")
    return value


def _fgt(values: np.ndarray, weights: np.ndarray, line: np.ndarray | float, alpha: float) -> float:
    total = weights.sum()
    if total == 0:
        return math.nan
    shortfall = np.where(values < line, (line - values) / line, 0.0)
    poor = values < line
    return float((weights * poor * shortfall**alpha).sum() / total)


def gini(
    frame: pd.DataFrame, income: str, *, weight: str | None = None, small_sample: bool = False
) -> float:
    """The Gini coefficient of ``income`` (population form unless ``small_sample``)."""
    values, weights, _, _ = _clean(frame, income, line=None, weight=weight)
    return _gini(values, weights, small_sample=small_sample)


def _gini(values: np.ndarray, weights: np.ndarray, *, small_sample: bool) -> float:
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    total = weights.sum()
    mass = (weights * values).sum()
    if len(values) == 0 or mass == 0:
        return math.nan
    order = np.argsort(values, kind="stable")
    y, w = values[order], weights[order]
    below = np.cumsum(w) - w  # weight strictly before each sorted value
    # sum_i sum_j w_i w_j |y_i - y_j| = 2 sum_i w_i y_i (W_below - W_above), in O(n log n).
    g = float((w * y * (2 * below + w - total)).sum() / (total * mass))
    if small_sample:
        n = len(values)
        g = g * n / (n - 1) if n > 1 else math.nan
    return g


def poverty_measures(
    frame: pd.DataFrame,
    income: str,
    *,
    line: float | str,
    weight: str | None = None,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Headcount, gap, squared gap and Gini per group of ``by`` (overall when ``by`` is empty)."""
    require_columns(frame, list(by), role="grouping column")
    groups = frame.groupby(list(by), sort=True, dropna=False) if by else [((), frame)]
    records = []
    for key, group in groups:
        values, weights, lines, missing = _clean(group, income, line=line, weight=weight)
        z = lines if lines is not None else _scalar_line(line)
        measures = PovertyMeasures(
            n=len(values),
            missing=missing,
            weight_total=float(weights.sum()),
            poor=int((values < z).sum()),
            headcount=_fgt(values, weights, z, 0),
            gap=_fgt(values, weights, z, 1),
            squared_gap=_fgt(values, weights, z, 2),
            gini=_gini(values, weights, small_sample=False),
        )
        keys = key if isinstance(key, tuple) else (key,)
        records.append({**dict(zip(by, keys, strict=True)), **asdict(measures)})
    result = pd.DataFrame.from_records(records)
    return result.set_index(list(by)) if by else result
