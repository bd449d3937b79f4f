"""The county accounts chart as server-rendered SVG (no inline style: the CSP forbids it)."""

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
