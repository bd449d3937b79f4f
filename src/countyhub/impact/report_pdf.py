"""The annual impact report as a PDF: the same ImpactReport the page renders, in the CJK font
the labels and certificates use; the charts drawn as simple bars (the page's charts are SVG and
the project has no SVG renderer for reportlab)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from countyhub.gs1.labels import label_font
from countyhub.impact.report import Bars, ImpactReport

MM = 72 / 25.4
COLOURS = ((0.18, 0.44, 0.62), (0.75, 0.34, 0.13))
INK, GREY = (0.2, 0.2, 0.2), (0.45, 0.45, 0.45)


def report_pdf(report: ImpactReport) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    font = label_font()
    width, height = A4
    left, right, top, bottom = 16 * MM, width - 16 * MM, height - 18 * MM, 16 * MM
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    county = report.county
    canvas.setTitle(f"{county.name} {_('Annual impact report')} {report.year}")
    y = top

    def room(needed: float) -> None:
        nonlocal y
        if y - needed < bottom:
            canvas.showPage()
            y = top

    def line(text: str, size: float = 9, gap: float = 4.6, colour=INK, indent: float = 0) -> None:
        nonlocal y
        room(gap * MM)
        canvas.setFont(font, size)
        canvas.setFillColorRGB(*colour)
        canvas.drawString(left + indent, y, text)
        y -= gap * MM

    def wrapped(text: str, size: float = 9, colour=INK, indent: float = 0) -> None:
        current = ""
        limit = right - left - indent
        for char in text:
            if stringWidth(current + char, font, size) > limit:
                line(current, size, size * 0.5, colour, indent)
                current = ""
            current += char
        if current:
            line(current, size, size * 0.5, colour, indent)

    def bars(chart: Bars) -> None:
        nonlocal y
        values = [v for _n, vs in chart.series for v in vs if v is not None]
        if not any(values):  # nothing, or only zeros: no chart to draw
            return
        room(62 * MM)
        line(chart.title, 9, 5)
        chart_height = 40 * MM
        low, high = min(0.0, *values), max(0.0, *values)
        span = (high - low) or 1.0
        zero = y - chart_height * high / span
        slot = (right - left - 20 * MM) / max(len(chart.categories), 1)
        bar = slot * 0.8 / max(len(chart.series), 1)
        canvas.setStrokeColorRGB(*GREY)
        canvas.line(left + 20 * MM, zero, right, zero)
        canvas.setFont(font, 7)
        canvas.setFillColorRGB(*GREY)
        canvas.drawRightString(left + 18 * MM, y - 2 * MM, f"{high:,.2f}")
        if low < 0:
            canvas.drawRightString(left + 18 * MM, y - chart_height, f"{low:,.2f}")
        for index, category in enumerate(chart.categories):
            x = left + 20 * MM + index * slot + slot * 0.1
            for number, (_name, series) in enumerate(chart.series):
                value = series[index]
                if value is None:
                    continue
                size = chart_height * abs(value) / span
                canvas.setFillColorRGB(*COLOURS[number % len(COLOURS)])
                canvas.rect(x + number * bar, zero if value >= 0 else zero - size, bar * 0.9,
                            size, stroke=0, fill=1)  # fmt: skip
            canvas.setFillColorRGB(*INK)
            canvas.drawCentredString(x + slot * 0.4, y - chart_height - 4 * MM, category[:14])
        y -= chart_height + 8 * MM
        if len(chart.series) > 1:
            x = left
            for number, (name, _series) in enumerate(chart.series):
                canvas.setFillColorRGB(*COLOURS[number % len(COLOURS)])
                canvas.rect(x, y, 3 * MM, 3 * MM, stroke=0, fill=1)
                canvas.setFillColorRGB(*INK)
                canvas.drawString(x + 4 * MM, y + 0.5 * MM, name)
                x += 40 * MM
            y -= 6 * MM

    line(f"{county.name} · {_('Annual impact report')} {report.year}", 16, 9)
    line(_("As of %(day)s. Every figure says how it was computed.") % {"day": report.as_of}, 9, 7)
    for section in report.sections:
        room(20 * MM)
        y -= 2 * MM
        line(section.title, 13, 7)
        if section.why_not:
            wrapped(_("Cannot be computed because %(reason)s.") % {"reason": section.why_not})
            continue
        for figure in section.figures:
            shown = figure.value if figure.computed else _("cannot be computed")
            line(f"{figure.label}: {shown}", 10, 5)
            if figure.why_not:
                wrapped(_("Cannot be computed because %(reason)s.") % {"reason": figure.why_not},
                        8, GREY, 4 * MM)  # fmt: skip
            if figure.how:
                wrapped(figure.how, 8, GREY, 4 * MM)
        for table in section.tables:
            y -= 2 * MM
            line(table.title, 10, 5.5)
            count = len(table.columns)
            unit = (right - left) / (count + 1)
            widths = [2 * unit] + [unit] * (count - 1)
            for row in [table.columns, *table.rows]:
                room(5 * MM)
                canvas.setFont(font, 7.5)
                canvas.setFillColorRGB(*INK)
                x = left
                for cell, cell_width in zip(row, widths, strict=True):
                    text = cell
                    while text and stringWidth(text, font, 7.5) > cell_width - 2:
                        text = text[:-1]
                    canvas.drawString(x, y, text)
                    x += cell_width
                y -= 4.3 * MM
            if table.note:
                wrapped(table.note, 7.5, GREY)
        for sentence in section.sentences:
            wrapped(sentence, 8.5)
        for chart in section.bars:
            y -= 2 * MM
            bars(chart)
    canvas.save()
    return buffer.getvalue()
