"""Dashboard charts as server-rendered SVG: each KPI against its target with its 12-month trend,
horizontal bars for budget lines, payouts per rule and the province comparison."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from countyhub.core.money import format_money
from countyhub.programs.kpis import KpiValue

GREEN, GREY, RED, INK = "#2f6b3a", "#d9ded9", "#b3261e", "#333"


def format_value(value: Decimal, unit: str) -> str:
    if unit == "money":
        return format_money(value)
    if unit == "percent":
        return f"{value:.1f}%"
    return f"{value:,.0f}"


def kpi_chart_svg(kpi: KpiValue) -> SafeString:
    """Top: a bar of the value against the target (a tick marks the target). Bottom: the trend."""
    width, height, pad = 320, 150, 8
    parts = []
    if kpi.target:
        share = min(float(kpi.value / kpi.target), 1.5) if kpi.target else 0
        full = width - 2 * pad
        target_x = pad + full / 1.5
        colour = GREEN if kpi.met else RED
        parts.append(
            format_html(
                '<rect x="{}" y="8" width="{}" height="14" fill="{}"/>'
                '<rect x="{}" y="8" width="{}" height="14" fill="{}">'
                "<title>{}</title></rect>"
                '<line x1="{}" x2="{}" y1="4" y2="26" stroke="{}" stroke-width="2"/>'
                '<text x="{}" y="36" font-size="9" text-anchor="middle" fill="{}">{}</text>',
                pad,
                f"{full:.1f}",
                GREY,
                pad,
                f"{max(full / 1.5 * share, 0):.1f}",
                colour,
                f"{format_value(kpi.value, kpi.unit)} / {format_value(kpi.target, kpi.unit)}",
                f"{target_x:.1f}",
                f"{target_x:.1f}",
                INK,
                f"{target_x:.1f}",
                INK,
                _("target %(value)s") % {"value": format_value(kpi.target, kpi.unit)},
            )
        )
    trend = kpi.trend
    if trend:
        top, bottom = 46, height - 14
        peak = max([abs(v) for _m, v in trend] + [Decimal(1)])
        if kpi.target and kpi.unit == "percent":
            peak = max(peak, kpi.target)
        step = (width - 2 * pad) / len(trend)
        bars = []
        for index, (month, value) in enumerate(trend):
            bar = float(abs(value) / peak) * (bottom - top)
            x = pad + index * step
            bars.append(
                (
                    f"{x:.1f}",
                    f"{bottom - bar:.1f}",
                    f"{step * 0.75:.1f}",
                    f"{bar:.1f}",
                    GREEN if value >= 0 else RED,
                    f"{month}: {format_value(value, kpi.unit)}",
                    f"{x + step * 0.37:.1f}",
                    height - 3,
                    month[5:],
                )
            )
        parts.append(
            format_html_join(
                "",
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" opacity="0.8">'
                '<title>{}</title></rect><text x="{}" y="{}" font-size="8" '
                'text-anchor="middle" fill="#666">{}</text>',
                bars,
            )
        )
        if kpi.target and kpi.unit == "percent":
            y = bottom - float(kpi.target / peak) * (bottom - top)
            parts.append(
                format_html(
                    '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-dasharray="4 3"/>',
                    pad,
                    width - pad,
                    f"{y:.1f}",
                    f"{y:.1f}",
                    RED,
                )
            )
    return format_html(
        '<svg class="kpi-chart" viewBox="0 0 {} {}" width="100%" role="img" aria-label="{}">'
        "{}</svg>",
        width,
        height,
        kpi.label,
        SafeString("".join(parts)),
    )


def hbar_chart_svg(
    rows: list[tuple[str, Decimal, Decimal | None]], *, unit: str = "money"
) -> SafeString:
    """One bar per row; the optional third value is a budget or target drawn as a grey track."""
    if not rows:
        return SafeString("")
    label_width, width, row_height = 180, 620, 24
    peak = max([abs(v) for _l, v, _t in rows] + [t for _l, _v, t in rows if t] + [Decimal(1)])
    usable = width - label_width - 110
    items = []
    for index, (label, value, track) in enumerate(rows):
        y = 6 + index * row_height
        track_width = float(track / peak) * usable if track else 0
        bar_width = float(abs(value) / peak) * usable
        over = track is not None and value > track
        items.append(
            (
                label_width - 6,
                y + 13,
                label[:24],
                label_width,
                y + 2,
                f"{track_width:.1f}",
                label_width,
                y + 2,
                f"{bar_width:.1f}",
                RED if over or value < 0 else GREEN,
                f"{label}: {format_value(value, unit)}",
                f"{label_width + max(bar_width, track_width) + 6:.1f}",
                y + 13,
                format_value(value, unit)
                + (f" / {format_value(track, unit)}" if track is not None else ""),
            )
        )
    return format_html(
        '<svg class="hbar-chart" viewBox="0 0 {} {}" width="100%" role="img">{}</svg>',
        width,
        12 + len(rows) * row_height,
        format_html_join(
            "",
            '<g><text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="14" fill="' + GREY + '"/>'
            '<rect x="{}" y="{}" width="{}" height="14" fill="{}"><title>{}</title></rect>'
            '<text x="{}" y="{}" font-size="10">{}</text></g>',
            items,
        ),
    )
