"""The county accounts chart and the province view's county bars as server-rendered SVG (no
inline style: the CSP forbids it)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from countyhub.analysis.accounts import AccountsResults
from countyhub.core.money import format_money

ADD, SUBTRACT, TOTAL, INK = "#2f6f9f", "#c05621", "#1f2933", "#333"


def components_svg(result: AccountsResults) -> SafeString:
    """One horizontal bar per component: C, I, G and X add, M subtracts, Y is their sum."""
    bars = [
        ("C", result["C"], ADD),
        ("I", result["I"], ADD),
        ("G", result["G"], ADD),
        ("X", result["X"], ADD),
        ("−M", -result["M"], SUBTRACT),
        ("Y", result["Y"], TOTAL),
    ]
    width, row, left = 340, 24, 150
    peak = max([abs(v) for _n, v, _c in bars] + [Decimal(1)])
    scale = Decimal(width - left - 10) / 2 / peak
    zero = left + (width - left - 10) / 2
    rows = []
    for index, (name, value, colour) in enumerate(bars):
        y = 6 + index * row
        length = float(abs(value) * scale)
        x = zero - length if value < 0 else zero
        rows.append(
            (
                y + 12,
                name,
                f"{x:.1f}",
                y,
                f"{length:.1f}",
                colour,
                format_money(value),
                y + 12,
                format_money(value),
            )
        )
    body = format_html_join(
        "",
        '<text x="4" y="{}" font-size="11" fill="' + INK + '">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="14" fill="{}"><title>{}</title></rect>'
        '<text x="30" y="{}" font-size="10" fill="' + INK + '">{}</text>',
        rows,
    )
    height = 12 + len(bars) * row
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="accounts-chart-title">'
        '<title id="accounts-chart-title">C, I, G, X, M, Y</title>'
        '<line x1="{}" x2="{}" y1="0" y2="{}" stroke="{}"/>{}</svg>',
        width,
        height,
        f"{zero:.1f}",
        f"{zero:.1f}",
        height,
        INK,
        body,
    )


NEVER = "#7a8a99"


def county_bars_svg(
    title: str, rows: list[tuple[str, Decimal | None, bool]], *, chart_id: str
) -> SafeString:
    """One horizontal bar per county (name, value, designated): designated counties in blue,
    the others grey; a county without the figure gets no bar and says so, never a zero.
    340 units wide, so it fits a 390 px phone; values compact (12.3k, 4.5m, 6.7bn)."""
    width, row, left, right = 340, 20, 58, 52
    peak = max([v for _n, v, _d in rows if v is not None] + [Decimal(1)])
    scale = Decimal(width - left - right) / peak
    items = []
    for index, (name, value, designated) in enumerate(rows):
        y = 4 + index * row
        length = float(value * scale) if value is not None else 0.0
        items.append(
            (
                y + 12,
                name[:6],
                left,
                y + 1,
                f"{length:.1f}",
                ADD if designated else NEVER,
                f"{name}: {_compact(value)}",
                f"{left + length + 4:.1f}",
                y + 12,
                _compact(value),
            )
        )
    body = format_html_join(
        "",
        '<text x="4" y="{}" font-size="11" fill="' + INK + '">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="14" fill="{}"><title>{}</title></rect>'
        '<text x="{}" y="{}" font-size="10" fill="' + INK + '">{}</text>',
        items,
    )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}">'
        '<title id="{}">{}</title>{}</svg>',
        width,
        8 + len(rows) * row,
        chart_id,
        chart_id,
        title,
        body,
    )


def _compact(value: Decimal | None) -> str:
    if value is None:
        return "–"
    # Thousands only from 10,000: a rural income of 9,876 yuan reads better whole.
    for floor, size, suffix in ((10**9, 10**9, "bn"), (10**6, 10**6, "m"), (10**4, 10**3, "k")):
        if value >= floor:
            return f"{value / size:,.1f}{suffix}"
    return f"{value:,.0f}"
