"""Turn a long panel table into the wide arrays the estimators work on, checking it on the way.

The checks follow R ``did``'s pre-processing (Callaway & Sant'Anna 2021): units already treated in
the first period are dropped, units first treated after the last period count as never treated,
and a unit's cohort is the period it was first treated. A unit whose rows disagree on that period
(or on its weight or cluster) is an error naming the unit, row and column. Unlike R ``did``, an
unbalanced panel is rejected unless the caller asks for every row to be used (layout
"unbalanced", R's ``allow_unbalanced_panel``) or for the incomplete units to be dropped, so no
unit or row leaves the sample silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from countyhub.analysis.errors import AnalysisError, DataError
from countyhub.analysis.tables import require_columns, require_numeric

ROW_UNIT = "__row__"  # the unit column of repeated cross-sections: every row its own unit
NEVER = 0  # cohort code of never-treated units, as in R did's gname = 0
SMALL_COHORT = 5  # below this many units a cohort's effects rest on too few units to trust


def dropped_note(units: int, rows: int, reason: str) -> str:
    if units == 0:  # rows left out of units that stay in
        return f"dropped {rows} row(s) {reason}"
    return f"dropped {units} unit(s) ({rows} rows) {reason}"


@dataclass(frozen=True)
class Dropped:
    """Units left out of the estimate, the rows they had, and why."""

    reason: str
    units: int
    rows: int

    @property
    def note(self) -> str:
        return dropped_note(self.units, self.rows, self.reason)

    def to_dict(self) -> dict[str, object]:
        return {"reason": self.reason, "units": self.units, "rows": self.rows}


@dataclass(frozen=True)
class Rows:
    """The observations of an unbalanced panel or of repeated cross-sections, one per row.

    ``unit`` indexes the panel's units (for cross-sections each row is its own unit), ``period``
    the panel's periods; the estimators then compare the rows of two periods (``DRDID``'s
    repeated cross-section estimators) and sum each unit's rows' influence functions.
    """

    unit: np.ndarray
    period: np.ndarray
    outcome: np.ndarray
    covariates: np.ndarray  # rows x covariates


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
    weights: np.ndarray  # per unit, mean one (sampling weights; all ones when none given)
    clusters: np.ndarray  # units x extra clustering variables, integer codes
    cluster_names: tuple[str, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    rows: Rows | None = None  # set for unbalanced panels and cross-sections

    @property
    def kind(self) -> str:
        if self.rows is None:
            return "balanced"
        return "cross_section" if len(self.rows.unit) == self.n_units else "unbalanced"

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
    weights: str | None = None,
    clusters: Sequence[str] = (),
    anticipation: int = 0,
    drop_incomplete: bool = False,
    layout: str = "balanced",
) -> Panel:
    """Check the long table and reshape it to a unit x period panel.

    ``layout`` is "balanced" (a gap is an error unless ``drop_incomplete``), "unbalanced"
    (units may miss periods; rows with a missing value are left out and counted) or
    "cross_section" (repeated cross-sections: every row is its own unit, ``unit`` is ignored).
    """
    if layout == "cross_section":
        frame = frame.assign(**{ROW_UNIT: np.arange(len(frame))})
        frame.attrs["source"] = str(frame.attrs.get("source", "data"))
        unit = ROW_UNIT
    unit_columns = [c for c in (weights, *clusters) if c is not None]
    columns = [unit, time, outcome, treated_from, *covariates, *unit_columns]
    require_columns(frame, columns)
    if len(set(columns)) != len(columns):
        raise AnalysisError(f"the same column is given twice among {', '.join(columns)}")
    source = frame.attrs.get("source", "data")
    if len(frame) == 0:
        raise DataError(f"{source}: no data rows (the table has a header only)")
    frame = frame[columns].copy()
    frame.attrs["source"] = source
    numeric = [time, outcome, treated_from, *covariates, *([weights] if weights else [])]
    require_numeric(frame, numeric)
    _require_present(frame, [unit, time, *clusters], source)
    _require_integral(frame, time, source)

    notes: list[str] = []
    dropped: list[Dropped] = []
    unit_codes, unit_ids = _factorize(frame[unit])
    periods = np.unique(frame[time].to_numpy(dtype=np.float64)).astype(np.int64)
    if len(periods) < 2:
        raise DataError(f"{source}: column {time!r} has one period only; DiD needs two or more")
    period_codes = np.searchsorted(periods, frame[time].to_numpy(dtype=np.float64))
    _require_unique_cells(unit_codes, period_codes, len(periods), frame, unit, time, source)

    started = frame[treated_from].to_numpy(dtype=np.float64)
    started = np.where(np.isnan(started), NEVER, started)
    if (started < 0).any():
        row = int(np.flatnonzero(started < 0)[0])
        raise DataError(
            f"{source}: column {treated_from!r}, row {row + 1} (file line {row + 2}): "
            f"{_show(started[row])} is a negative period"
        )
    cohort = _unit_constant(
        started, unit_codes, unit_ids, frame[unit], treated_from, source,
        what="first treated period (0 or empty = never treated)",
    )  # fmt: skip
    unit_weights = np.ones(len(unit_ids))
    if weights is not None:
        unit_weights = _unit_weights(frame, weights, unit, unit_codes, unit_ids, source)
    cluster_codes = np.zeros((len(unit_ids), len(clusters)), dtype=np.int64)
    for k, column in enumerate(clusters):
        codes, _ = _factorize(frame[column])
        cluster_codes[:, k] = _unit_constant(
            codes.astype(np.float64), unit_codes, unit_ids, frame[unit], column, source,
            what="cluster", shown=frame[column],
        ).astype(np.int64)  # fmt: skip
    values = [frame[outcome].to_numpy(dtype=np.float64)]
    values += [frame[c].to_numpy(dtype=np.float64) for c in covariates]
    wide = np.full((len(unit_ids), len(periods), len(values)), np.nan)
    for k, column_values in enumerate(values):
        wide[unit_codes, period_codes, k] = column_values
    rows_per_unit = np.bincount(unit_codes, minlength=len(unit_ids))
    rows = None
    if layout != "balanced":
        usable = ~np.isnan(np.column_stack(values)).any(axis=1)
        if not usable.all():
            empty = int((~usable).sum())
            dropped.append(
                Dropped(
                    "with a missing outcome or covariate",
                    empty if layout == "cross_section" else 0,
                    empty,
                )
            )
        # Rows already counted as left out are not counted again with their unit.
        rows_per_unit = np.bincount(unit_codes[usable], minlength=len(unit_ids))
        complete = rows_per_unit > 0
        rows = (unit_codes[usable], period_codes[usable], np.column_stack(values)[usable])
    else:
        complete = ~np.isnan(wide).any(axis=(1, 2))
    if not complete.all() and layout == "balanced":
        if not drop_incomplete:
            raise DataError(_incomplete_message(wide, complete, unit_ids, periods, source))
        dropped.append(
            Dropped(
                "without a complete row in every period (unbalanced panel)",
                int((~complete).sum()),
                int(rows_per_unit[~complete].sum()),
            )
        )
    always = complete & (cohort != NEVER) & (cohort <= periods[0] + anticipation)
    if always.any():
        within = f" or within {anticipation} anticipation period(s) of it" if anticipation else ""
        dropped.append(
            Dropped(
                f"already treated in the first period ({int(periods[0])}){within}: with no "
                "untreated period they have no before to compare with",
                int(always.sum()),
                int(rows_per_unit[always].sum()),
            )
        )
    keep = complete & ~always
    late = keep & (cohort > periods[-1])
    if late.any():
        notes.append(
            f"{int(late.sum())} unit(s) first treated after the last period ({int(periods[-1])}) "
            "count as never treated"
        )
    cohort = np.where(cohort > periods[-1], NEVER, cohort)
    kept_weights = unit_weights[keep]
    long = None
    if rows is not None:
        row_units, row_periods, row_values = rows
        new_code = np.cumsum(keep) - 1
        chosen = keep[row_units]
        long = Rows(
            unit=new_code[row_units[chosen]],
            period=row_periods[chosen],
            outcome=row_values[chosen, 0],
            covariates=row_values[chosen, 1:],
        )
    panel = Panel(
        unit_ids=unit_ids[keep],
        periods=periods,
        outcome=wide[keep, :, 0],
        cohort=cohort[keep].astype(np.int64),
        covariates=wide[keep, :, 1:],
        covariate_names=tuple(covariates),
        notes=tuple(d.note for d in dropped) + tuple(notes),
        weights=kept_weights / kept_weights.mean(),  # as DRDID: weights normalised to mean one
        clusters=cluster_codes[keep],
        cluster_names=tuple(clusters),
        dropped=tuple(dropped),
        rows=long,
    )
    _require_enough_units(panel, source)
    return panel


def _unit_constant(
    values: np.ndarray,
    unit_codes: np.ndarray,
    unit_ids: np.ndarray,
    unit_column: pd.Series,
    column: str,
    source: str,
    *,
    what: str,
    shown: pd.Series | None = None,
) -> np.ndarray:
    """The per-unit value of a column that must not change between a unit's rows.

    ``shown`` gives the cells as written when ``values`` are codes of them.
    """
    first_row = np.full(len(unit_ids), -1, dtype=np.int64)
    # The first row of each unit: reversed assignment keeps the earliest index.
    order = np.arange(len(values))[::-1]
    first_row[unit_codes[order]] = order
    per_unit = values[first_row]
    differs = values != per_unit[unit_codes]
    if differs.any():
        row = int(np.flatnonzero(differs)[0])
        first = int(first_row[unit_codes[row]])
        cells = shown.to_numpy() if shown is not None else values
        raise DataError(
            f"{source}: unit {_show(unit_column.iloc[row])}, row {row + 1} (file line {row + 2}), "
            f"column {column!r}: {_show(cells[row])} differs from {_show(cells[first])} on row "
            f"{first + 1} of the same unit; a unit has one {what}"
        )
    result: np.ndarray = per_unit
    return result


def _unit_weights(
    frame: pd.DataFrame,
    column: str,
    unit: str,
    unit_codes: np.ndarray,
    unit_ids: np.ndarray,
    source: str,
) -> np.ndarray:
    values = frame[column].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        shown = "empty" if np.isnan(values[row]) else _show(values[row])
        raise DataError(
            f"{source}: column {column!r}, row {row + 1} (file line {row + 2}): sampling "
            f"weight {shown}; weights must be positive numbers"
        )
    return _unit_constant(
        values, unit_codes, unit_ids, frame[unit], column, source,
        what="sampling weight",
    )  # fmt: skip


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
            f"{_show(values[row])} is not a whole period (use years or period numbers)"
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


def _incomplete_message(
    wide: np.ndarray, complete: np.ndarray, unit_ids: np.ndarray, periods: np.ndarray, source: str
) -> str:
    first = int(np.flatnonzero(~complete)[0])
    gap = int(np.flatnonzero(np.isnan(wide[first]).any(axis=1))[0])
    return (
        f"{source}: the panel is unbalanced: {int((~complete).sum())} of {len(unit_ids)} units "
        f"lack a complete row (outcome and covariates) in some period, e.g. unit "
        f"{_show(unit_ids[first])} in period {int(periods[gap])}; fill those rows, or drop the "
        "incomplete units (drop_incomplete=True, --drop-incomplete on the command line), or "
        "use every row (layout='unbalanced', --layout unbalanced)"
    )


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
