"""Where an analysis gets its data: one seam, so that survey waves can plug in beside uploads.

A :class:`DatasetSource` loads a :class:`SourceData`: a DataFrame already cleaned the one way
every analysis needs it (declared missing codes are missing, never a number; reverse-coded items
reversed, x' = min + max - x), the metadata that says what the columns are, and the SHA-256 of
the raw data the frame came from (a stored run names it, and refuses different data).
The sources: an uploaded file (:class:`UploadedDataset`), a survey wave (:class:`SurveyWave`,
for PLS-SEM) and two waves paired by household (:class:`PairedWaves`, for before/after). A wave's
frame carries only what the analysis reads (construct items; money amounts and the household
id), never a question that could name a household; its hash is that of the frame as CSV.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext as _

from countyhub.core.tabular import TableError, read_table

if TYPE_CHECKING:
    import pandas as pd

    from countyhub.analyses.models import AnalysisRun, Dataset
    from countyhub.surveys.models import Wave


@dataclass(frozen=True)
class DatasetMeta:
    """What the columns are: constructs and their items, reversed items, the Likert scale,
    declared missing codes, money columns with their price year."""

    constructs: dict[str, list[str]] = field(default_factory=dict)
    reverse: list[str] = field(default_factory=list)
    scale: tuple[float, float] = (1.0, 5.0)
    missing_codes: list[str] = field(default_factory=list)
    money: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DatasetMeta:
        low, high = data.get("scale") or (1, 5)
        return cls(
            constructs={k: list(v) for k, v in (data.get("constructs") or {}).items()},
            reverse=list(data.get("reverse") or []),
            scale=(float(low), float(high)),
            missing_codes=[str(c) for c in data.get("missing_codes") or []],
            money={k: int(v) for k, v in (data.get("money") or {}).items()},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "constructs": self.constructs,
            "reverse": self.reverse,
            "scale": list(self.scale),
            "missing_codes": self.missing_codes,
            "money": self.money,
        }


@dataclass(frozen=True)
class SourceData:
    frame: pd.DataFrame
    meta: DatasetMeta
    sha256: str
    label: str


class DatasetSource(Protocol):
    def load(self) -> SourceData: ...


@dataclass(frozen=True)
class ParsedTable:
    header: list[str]
    rows: list[list[str]]
    numeric: list[str]
    # Each numeric column's values (None: missing) and whether every value is written as an
    # integer (pandas then reads the column as int64, as it reads a CSV).
    values: dict[str, tuple[list[float | None], bool]] = field(default_factory=dict)


class DatasetError(Exception):
    """A table that cannot be analysed; the message names the file, row and column."""


def parse_table(data: bytes, filename: str, missing_codes: list[str]) -> ParsedTable:
    """Read a CSV/XLSX with the safe reader; check the header; find the numeric columns."""
    name = PurePath(filename).name
    try:
        rows = read_table(io.BytesIO(data), filename)
    except TableError as error:
        where = _("row %(row)d, column %(column)d") % {"row": error.row, "column": error.column}
        raise DatasetError(
            f"{name}: {where}: {error.message}" if error.row else f"{name}: {error.message}"
        ) from error
    if len(rows) < 2:
        raise DatasetError(
            _("%(name)s: a header row and at least one data row are needed.") % {"name": name}
        )
    header = rows[0]
    while header and not header[-1]:
        header = header[:-1]
    for column, title in enumerate(header, start=1):
        if not title:
            raise DatasetError(
                _("%(name)s: row 1, column %(column)d: the column has no name.")
                % {"name": name, "column": column}
            )
        if title in header[: column - 1]:
            raise DatasetError(
                _("%(name)s: row 1, column %(column)d: the name %(title)s is used twice.")
                % {"name": name, "column": column, "title": title}
            )
    body = [(row + [""] * len(header))[: len(header)] for row in rows[1:] if any(row)]
    missing = MissingCodes(missing_codes)
    values = {}
    for index, title in enumerate(header):
        column = _numbers([row[index] for row in body], missing)
        if column is not None:
            values[title] = column
    return ParsedTable(header, body, list(values), values)


def _numbers(cells: list[str], missing: MissingCodes) -> tuple[list[float | None], bool] | None:
    """The column as numbers, or None when a cell is neither a number nor missing."""
    out: list[float | None] = []
    integers = True
    for cell in cells:
        if not cell or cell in missing.text:
            out.append(None)
            continue
        try:
            value = float(cell)
        except ValueError:
            return None
        if value in missing.values:
            out.append(None)
            continue
        integers = integers and cell.lstrip("+-").isdigit()
        out.append(value)
    return out, integers and None not in out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class MissingCodes:
    """Blank cells and the declared codes; a numeric code matches its value in any spelling
    (-99, -99.0: a spreadsheet may write either)."""

    def __init__(self, codes: list[str]) -> None:
        self.text = set(codes)
        self.values = {float(code) for code in codes if _is_number(code)}

    def matches(self, cell: str) -> bool:
        if not cell or cell in self.text:
            return True
        return bool(self.values) and _is_number(cell) and float(cell) in self.values


def first_bad_cell(table: ParsedTable, column: str, missing_codes: list[str], name: str) -> str:
    """The message for a column that should be numbers: its first cell that is not."""
    index = table.header.index(column)
    missing = MissingCodes(missing_codes)
    for number, row in enumerate(table.rows, start=2):
        cell = row[index]
        if not missing.matches(cell) and not _is_number(cell):
            return _(
                "%(name)s: row %(row)d, column %(column)d (%(title)s): %(cell)s is not a number."
            ) % {"name": name, "row": number, "column": index + 1, "title": column, "cell": cell}
    return ""


def build_frame(table: ParsedTable, meta: DatasetMeta, label: str) -> pd.DataFrame:
    """The cleaned frame: missing codes and blanks missing, numbers numeric, items reversed."""
    import numpy as np
    import pandas as pd  # lazy: the pages that list datasets need no pandas

    missing = MissingCodes(meta.missing_codes)
    data: dict[str, Any] = {}
    for index, title in enumerate(table.header):
        if title in table.values:
            numbers, integers = table.values[title]
            # As pandas reads a CSV: int64 when every cell is an integer, float64 otherwise.
            if integers:
                data[title] = np.array(numbers, dtype=np.int64)
            else:
                data[title] = np.array([np.nan if v is None else v for v in numbers])
        else:
            cleaned = [None if missing.matches(row[index]) else row[index] for row in table.rows]
            data[title] = pd.Series(cleaned, dtype=object)
    frame = pd.DataFrame(data)
    low, high = meta.scale
    for column in meta.reverse:
        frame[column] = (low + high) - frame[column]
    frame.attrs["source"] = label
    return frame


@dataclass(frozen=True)
class UploadedDataset:
    """A :class:`~countyhub.analyses.models.Dataset` file as a source."""

    dataset: Dataset

    def load(self) -> SourceData:
        with self.dataset.file.open("rb") as handle:
            data = handle.read()
        meta = DatasetMeta.from_json(self.dataset.metadata)
        table = parse_table(data, self.dataset.original_name, meta.missing_codes)
        return SourceData(
            frame=build_frame(table, meta, self.dataset.name),
            meta=meta,
            sha256=hashlib.sha256(data).hexdigest(),
            label=self.dataset.name,
        )


def frame_sha256(frame: pd.DataFrame) -> str:
    """The hash of a frame built from the database: its CSV, so equal data give equal hashes."""
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


@dataclass(frozen=True)
class SurveyWave:
    """A wave's answers as the PLS-SEM reads them: the questionnaire's construct items, reverse
    items reversed and missing codes removed by the surveys app's ``wave_frame``."""

    wave: Wave

    def load(self) -> SourceData:
        from countyhub.surveys.selectors import questionnaire_constructs, wave_frame

        constructs = questionnaire_constructs(self.wave.questionnaire)
        items = [item for names in constructs.values() for item in names]
        frame = wave_frame(self.wave)[items].reset_index(drop=True)
        frame.attrs["source"] = str(self.wave)
        return SourceData(
            frame=frame,
            meta=DatasetMeta(constructs=constructs),
            sha256=frame_sha256(frame),
            label=str(self.wave),
        )


@dataclass(frozen=True)
class PairedWaves:
    """Two waves paired by household id: ``<question>_before`` and ``<question>_after`` for each
    money question, with the price years the questionnaires declare."""

    before: Wave
    after: Wave
    money: tuple[str, ...]

    def load(self) -> SourceData:
        from countyhub.surveys.selectors import money_years, paired_waves

        try:
            frame = paired_waves(self.before, self.after, list(self.money))
        except KeyError as error:
            raise DatasetError(str(error.args[0])) from error
        years_before = money_years(self.before.questionnaire)
        years_after = money_years(self.after.questionnaire)
        label = f"{self.before} → {self.after.label}"
        frame.attrs["source"] = label
        return SourceData(
            frame=frame,
            meta=DatasetMeta(
                money={
                    **{f"{q}_before": years_before[q] for q in self.money if q in years_before},
                    **{f"{q}_after": years_after[q] for q in self.money if q in years_after},
                },
            ),
            sha256=frame_sha256(frame),
            label=label,
        )


def source_of(run: AnalysisRun) -> DatasetSource:
    """Where a stored run reads its data."""
    if run.dataset is not None:
        return UploadedDataset(run.dataset)
    if run.wave_after is not None:
        return PairedWaves(run.wave, run.wave_after, tuple(run.options.get("money") or ()))
    assert run.wave is not None  # the database's analysis_run_one_source constraint
    return SurveyWave(run.wave)
