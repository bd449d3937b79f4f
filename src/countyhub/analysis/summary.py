"""One summary object that renders as text, HTML and a dict (the statsmodels/linearmodels lesson).

Results keep full precision; numbers are formatted only here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

Cell = float | int | str | None


def format_cell(value: Cell, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NA"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if value != 0 and abs(value) < 10 ** (-digits):
            return f"{value:.{digits}e}"
        return f"{value:.{digits}f}"
    return str(value)


@dataclass(frozen=True)
class SummaryTable:
    """A labelled table: one row label per row, then one cell per column."""

    title: str
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[Cell]]]
    note: str = ""
    digits: int = 3
    # Cells to highlight in HTML (row label, column) - e.g. a reliability value below threshold.
    flagged: frozenset[tuple[str, str]] = field(default_factory=frozenset)

    def as_text(self) -> str:
        header = ["", *self.columns]
        # A flagged cell is marked "!" on the terminal too, not only highlighted in HTML.
        body = [
            [
                label,
                *(
                    format_cell(c, self.digits) + (" !" if (label, column) in self.flagged else "")
                    for column, c in zip(self.columns, cells, strict=True)
                ),
            ]
            for label, cells in self.rows
        ]
        widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]

        def line(cells: Sequence[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
            return "  ".join([first, *rest]).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [self.title, rule, line(header), rule, *(line(r) for r in body), rule]
        if self.note:
            out.append(self.note)
        if self.flagged:
            out.append("! marks a flagged cell.")
        return "\n".join(out)

    def as_html(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in self.columns)
        body = []
        for label, cells in self.rows:
            tds = []
            for column, cell in zip(self.columns, cells, strict=True):
                cls = ' class="flag"' if (label, column) in self.flagged else ""
                tds.append(f"<td{cls}>{esc(format_cell(cell, self.digits))}</td>")
            body.append(f'<tr><th scope="row">{esc(label)}</th>{"".join(tds)}</tr>')
        note = f'<caption class="note">{esc(self.note)}</caption>' if self.note else ""
        return (
            f'<table class="summary"><thead><tr><th>{esc(self.title)}</th>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody>{note}</table>"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "columns": list(self.columns),
            "rows": {
                label: dict(zip(self.columns, cells, strict=True)) for label, cells in self.rows
            },
            "note": self.note,
        }


@dataclass(frozen=True)
class Summary:
    """A titled sequence of tables with free-text lines (settings, warnings) above them."""

    title: str
    tables: Sequence[SummaryTable]
    lines: Sequence[str] = ()

    def as_text(self) -> str:
        parts = [self.title, "=" * len(self.title), *self.lines, ""]
        parts += [t.as_text() + "\n" for t in self.tables]
        return "\n".join(parts).rstrip() + "\n"

    def as_html(self) -> str:
        esc = html.escape
        lines = "".join(f"<li>{esc(s)}</li>" for s in self.lines)
        tables = "".join(t.as_html() for t in self.tables)
        return f'<section><h2>{esc(self.title)}</h2><ul class="meta">{lines}</ul>{tables}</section>'

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "lines": list(self.lines),
            "tables": [t.to_dict() for t in self.tables],
        }

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
