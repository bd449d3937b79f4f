"""Turn a long panel table into the wide arrays the estimators work on, checking it on the way.

The checks follow R ``did``'s pre-processing (Callaway & Sant'Anna 2021): units already treated in
the first period are dropped, units first treated after the last period count as never treated,
and a unit's cohort is the first period it was treated (a later repeat is intensity, not a new
cohort). Unlike R ``did``, an unbalanced panel is rejected unless the caller asks to drop the
incomplete units, so no unit leaves the sample silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.tables import require_columns, require_numeric

NEVER = 0  # cohort code of never-treated units, as in R did's gname = 0
SMALL_COHORT = 5  # below this many units a cohort's effects rest on too few units to trust


@dataclass(frozen=True)
class Panel:
    """A balanced panel: ``outcome[i, s]`` is unit i in period s; ``cohort[i]`` is 0 if never."""

    unit_ids: np.ndarray
    periods: np.ndarray
    outcome: np.ndarray
    cohort: np.ndarray
    covariates: np.ndarray  # units x periods x covariates (empty last axis when none)
    covariate_names: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def n_units(self) -> int:
        return int(self.outcome.shape[0])

    @property
    def n_periods(self) -> int:
        return int(self.outcome.shape[1])

    @cached_property
    def cohorts(self) -> np.ndarray:
        """The treated cohorts (first-treatment periods), ascending."""
        values = np.unique(self.cohort)
        treated: np.ndarray = values[values != NEVER]
        return treated

    def cohort_sizes(self) -> dict[int, int]:
        """Units per cohort; key 0 counts the never treated."""
        values, counts = np.unique(self.cohort, return_counts=True)
        return {int(v): int(c) for v, c in zip(values, counts, strict=True)}


def build_panel(
    frame: pd.DataFrame,
    *,
    unit: str,
    time: str,
    outcome: str,
    treated_from: str,
    covariates: Sequence[str] = (),
    drop_incomplete: bool = False,
) -> Panel:
    """Check the long table and reshape it to a balanced unit x period panel."""
    columns = [unit, time, outcome, treated_from, *covariates]
    require_columns(frame, columns)
    if len(set(columns)) != len(columns):
        raise AnalysisError(f"the same column is given twice among {', '.join(columns)}")
    source = frame.attrs.get("source", "data")
    if len(frame) == 0:
        raise DataError(f"{source}: the table has no rows")
    frame = frame[columns].copy()
    frame.attrs["source"] = source
    require_numeric(frame, [time, outcome, treated_from, *covariates])
    _require_present(frame, [unit, time], source)
    _require_integral(frame, time, source)

    notes: list[str] = []
    unit_codes, unit_ids = _factorize(frame[unit])
    periods = np.unique(frame[time].to_numpy(dtype=np.float64)).astype(np.int64)
    if len(periods) < 2:
        raise DataError(f"{source}: column {time!r} has one period only; DiD needs two or more")
    period_codes = np.searchsorted(periods, frame[time].to_numpy(dtype=np.float64))
    _require_unique_cells(unit_codes, period_codes, len(periods), frame, unit, time, source)

    cohort = _cohorts(frame[treated_from].to_numpy(dtype=np.float64), unit_codes, len(unit_ids))
    values = [frame[outcome].to_numpy(dtype=np.float64)]
    values += [frame[c].to_numpy(dtype=np.float64) for c in covariates]
    wide = np.full((len(unit_ids), len(periods), len(values)), np.nan)
    for k, column_values in enumerate(values):
        wide[unit_codes, period_codes, k] = column_values
    complete = ~np.isnan(wide).any(axis=(1, 2))
    if not complete.all():
        if not drop_incomplete:
            raise DataError(_incomplete_message(wide, complete, unit_ids, periods, source))
        notes.append(
            f"dropped {int((~complete).sum())} unit(s) without a complete row in every period "
            "(unbalanced panel)"
        )
    keep = complete & _keep_not_always_treated(cohort, periods[0], notes)
    cohort = _recode_late_cohorts(cohort, periods[-1], notes)
    panel = Panel(
        unit_ids=unit_ids[keep],
        periods=periods,
        outcome=wide[keep, :, 0],
        cohort=cohort[keep].astype(np.int64),
        covariates=wide[keep, :, 1:],
        covariate_names=tuple(covariates),
        notes=tuple(notes),
    )
    _require_enough_units(panel, source)
    return panel


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(series, sort=True)
    return codes.astype(np.int64), np.asarray(uniques)


def _require_present(frame: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    for column in columns:
        missing = frame[column].isna().to_numpy()
        if missing.any():
            row = int(missing.nonzero()[0][0])
            raise DataError(
                f"{source}: column {column!r}, row {row + 1} (file line {row + 2}) is empty; "
                "every row needs a unit and a period"
            )


def _require_integral(frame: pd.DataFrame, column: str, source: str) -> None:
    values = frame[column].to_numpy(dtype=np.float64)
    bad = values != np.round(values)
    if bad.any():
        row = int(bad.nonzero()[0][0])
        raise DataError(
            f"{source}: column {column!r}, row {row + 1} (file line {row + 2}): "
            f"{values[row]!r} is not a whole period (use years or period numbers)"
        )


def _require_unique_cells(
    unit_codes: np.ndarray,
    period_codes: np.ndarray,
    n_periods: int,
    frame: pd.DataFrame,
    unit: str,
    time: str,
    source: str,
) -> None:
    cell = unit_codes * n_periods + period_codes
    order = np.argsort(cell, kind="stable")
    repeated = np.flatnonzero(cell[order][1:] == cell[order][:-1])
    if repeated.size:
        row = int(order[repeated[0] + 1])
        raise DataError(
            f"{source}: row {row + 1} (file line {row + 2}) repeats {unit}="
            f"{_show(frame[unit].iloc[row])}, {time}={_show(frame[time].iloc[row])}; "
            "a panel has one row per unit and period"
        )


def _show(value: object) -> str:
    """A cell as the person wrote it: 8001 and 2005, not np.int64(8001) or 2005.0."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return repr(value) if isinstance(value, str) else str(value)


def _cohorts(treated_from: np.ndarray, unit_codes: np.ndarray, n_units: int) -> np.ndarray:
    """Each unit's first treatment period; 0 (or empty) on every row means never treated."""
    if (treated_from < 0).any():
        raise AnalysisError("the treated-from column has a negative period")
    started = np.where(np.isnan(treated_from) | (treated_from == 0), np.inf, treated_from)
    first = np.full(n_units, np.inf)
    # A unit treated again later keeps its first period: a repeat is intensity, not a new cohort.
    np.minimum.at(first, unit_codes, started)
    return np.where(np.isinf(first), NEVER, first)


def _incomplete_message(
    wide: np.ndarray, complete: np.ndarray, unit_ids: np.ndarray, periods: np.ndarray, source: str
) -> str:
    first = int(np.flatnonzero(~complete)[0])
    gap = int(np.flatnonzero(np.isnan(wide[first]).any(axis=1))[0])
    return (
        f"{source}: the panel is unbalanced: {int((~complete).sum())} of {len(unit_ids)} units "
        f"lack a complete row (outcome and covariates) in some period, e.g. unit "
        f"{_show(unit_ids[first])} in period {int(periods[gap])}; fill those rows, or drop the "
        "incomplete units (drop_incomplete=True, --drop-incomplete on the command line)"
    )


def _keep_not_always_treated(cohort: np.ndarray, first_period: int, notes: list[str]) -> np.ndarray:
    always = (cohort != NEVER) & (cohort <= first_period)
    if always.any():
        notes.append(
            f"dropped {int(always.sum())} unit(s) already treated in the first period "
            f"({first_period}): with no untreated period they have no before to compare with"
        )
    keep: np.ndarray = ~always
    return keep


def _recode_late_cohorts(cohort: np.ndarray, last_period: int, notes: list[str]) -> np.ndarray:
    late = cohort > last_period
    if late.any():
        notes.append(
            f"{int(late.sum())} unit(s) first treated after the last period ({last_period}) "
            "count as never treated"
        )
    return np.where(late, NEVER, cohort)


def _require_enough_units(panel: Panel, source: str) -> None:
    if panel.n_units == 0:
        raise DataError(f"{source}: no unit is left to estimate on")
    if len(panel.cohorts) == 0:
        raise DataError(
            f"{source}: no unit is treated within the observed periods "
            f"({int(panel.periods[0])}-{int(panel.periods[-1])}); there is no effect to estimate"
        )
    if panel.n_units < 4:
        raise DataError(
            f"{source}: only {panel.n_units} units; group-time effects and their standard errors "
            "need more units than that"
        )
