"""A monthly sales bar chart drawn server-side as inline SVG (no JavaScript, cheap on phones)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from countyhub.core.money import format_money

WIDTH, HEIGHT, PADDING = 600, 200, 24
BAR = (
    '<g><rect x="{}" y="{}" width="{}" height="{}" fill="#2f6b3a"><title>{}</title></rect>'
    '<text x="{}" y="{}" font-size="9" text-anchor="middle">{}</text></g>'
)


def sales_chart_svg(monthly: list[tuple[str, Decimal]]) -> SafeString:
    if not monthly:
        return SafeString("")
    peak = max(total for _month, total in monthly) or Decimal(1)
    bar_width = (WIDTH - 2 * PADDING) / len(monthly)
    bars = []
    for index, (month, total) in enumerate(monthly):
        height = float(total / peak) * (HEIGHT - 2 * PADDING)
        x = PADDING + index * bar_width
        bars.append(
            (
                f"{x:.1f}",
                f"{HEIGHT - PADDING - height:.1f}",
                f"{bar_width * 0.8:.1f}",
                f"{height:.1f}",
                f"{month}: {format_money(total)}",
                f"{x + bar_width * 0.4:.1f}",
                HEIGHT - 8,
                month[2:],
            )
        )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="sales" width="100%">{}</svg>',
        WIDTH,
        HEIGHT,
        format_html_join("", BAR, bars),
    )
