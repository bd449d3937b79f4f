"""Charts of the income page as server-rendered SVG (no inline style: the CSP forbids it)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

INK, GRID = "#333", "#d9dee3"
COLOURS = ("#c05621", "#2f6f9f", "#7a8a99")


def grouped_bars_svg(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
    chart_id: str,
) -> SafeString:
    """Bars per category (a year), one per series (registered poor, others); a missing value
    is drawn as no bar, never as zero. 340 units wide: fits 390 px. The title is the SVG's
    accessible name; the page prints it as the figure's caption (a long one would not fit)."""
    width, height, left, bottom, top = 340, 190, 46, 34, 10
    values = [v for _name, vs in series for v in vs if v is not None]
    peak = max([*values, 0.0])
    peak = peak if peak > 0 else 1.0
    plot_h = height - top - bottom
    slot = (width - left - 6) / max(len(categories), 1)
    bar = max(min(slot / (len(series) + 1), 28), 3)
    parts = []
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" font-size="9" text-anchor="end" fill="{}">{}</text>',
                left,
                width - 4,
                f"{y:.1f}",
                f"{y:.1f}",
                GRID,
                left - 3,
                f"{y + 3:.1f}",
                INK,
                _short(value),
            )
        )
    for index, category in enumerate(categories):
        x0 = left + index * slot + (slot - bar * len(series)) / 2
        for number, (name, vs) in enumerate(series):
            value = vs[index]
            x = x0 + number * bar
            if value is None:
                continue
            h = plot_h * value / peak
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}">'
                    "<title>{} {}: {}{}</title></rect>",
                    f"{x:.1f}",
                    f"{top + plot_h - h:.1f}",
                    f"{bar - 1:.1f}",
                    f"{h:.1f}",
                    COLOURS[number % len(COLOURS)],
                    category,
                    name,
                    f"{value:,.2f}",
                    unit,
                )
            )
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="10" text-anchor="middle" fill="{}">{}</text>',
                f"{left + index * slot + slot / 2:.1f}",
                height - bottom + 13,
                INK,
                category,
            )
        )
    step = min(120, (width - left) // max(len(series), 1))  # three legend entries fit 390 px
    legend = format_html_join(
        "",
        '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
        '<text x="{}" y="{}" font-size="10" fill="' + INK + '">{}</text>',
        (
            (
                left + number * step,
                height - 14,
                COLOURS[number % len(COLOURS)],
                left + number * step + 13,
                height - 5,
                name,
            )
            for number, (name, _vs) in enumerate(series)
        ),
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>{}{}</svg>',
        width,
        height,
        chart_id,
        chart_id,
        title,
        SafeString("".join(parts)),
        legend,
    )


def _short(value: float) -> str:
    if value >= 10_000:
        return f"{value / 1000:,.0f}k"
    if value < 1 and value != 0:
        return f"{value:.2f}"
    return f"{value:,.0f}"
