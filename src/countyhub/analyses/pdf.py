"""A run's report as a PDF: inputs, the result tables and the plain sentences, in the CJK font
the labels and certificates use, so Chinese construct names and text print."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from countyhub.analyses.presentation import present
from countyhub.gs1.labels import label_font

if TYPE_CHECKING:
    from countyhub.analyses.models import AnalysisRun

MM = 72 / 25.4


def run_pdf(run: AnalysisRun, results: dict[str, Any]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    font = label_font()
    width, height = A4
    left, right = 15 * MM, width - 15 * MM
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(f"{run.county.name} {run.get_kind_display()} #{run.pk}")
    y = height - 18 * MM

    def line(text: str, size: float = 9, gap: float = 5) -> None:
        nonlocal y
        if y < 18 * MM:
            canvas.showPage()
            y = height - 18 * MM
        canvas.setFont(font, size)
        canvas.drawString(left, y, text)
        y -= gap * MM

    def wrapped(text: str, size: float = 9) -> None:
        from reportlab.pdfbase.pdfmetrics import stringWidth

        current = ""
        for char in text:
            if stringWidth(current + char, font, size) > right - left:
                line(current, size)
                current = ""
            current += char
        if current:
            line(current, size)

    line(f"{run.county.name} · {run.get_kind_display()} #{run.pk}", 15, 9)
    line(
        _("Dataset: %(name)s (SHA-256 %(hash)s)")
        % {"name": run.source_name, "hash": run.data_sha256[:16]}
    )
    line(
        _("Seed %(seed)s · countyhub %(version)s · %(when)s")
        % {
            "seed": run.seed,
            "version": run.countyhub_version,
            "when": run.created_at.strftime("%Y-%m-%d %H:%M"),
        }
    )
    if run.model_syntax:
        for text in run.model_syntax.strip().splitlines():
            line(text, 8, 4)
    y -= 3 * MM
    shown = present(run.kind, results)
    for table in shown.tables:
        line(table.title, 11, 7)
        widths = _column_widths(len(table.columns), right - left)
        for row in [table.columns, *table.rows]:
            if y < 18 * MM:
                canvas.showPage()
                y = height - 18 * MM
            canvas.setFont(font, 7.5)
            x = left
            for cell, cell_width in zip(row, widths, strict=True):
                canvas.drawString(x, y, cell)
                x += cell_width
            y -= 4.5 * MM
        if table.note:
            wrapped(table.note, 7.5)
        y -= 3 * MM
    for sentence in shown.sentences:
        wrapped(sentence)
    canvas.save()
    return buffer.getvalue()


def _column_widths(count: int, total: float) -> list[float]:
    """The first column (names, paths) twice as wide as the others."""
    unit = total / (count + 1)
    return [2 * unit] + [unit] * (count - 1)
