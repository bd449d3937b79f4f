"""A monthly sales bar chart drawn server-side as inline SVG (no JavaScript, cheap on phones).

Each bar carries its value as text above it (rounded to the yuan, so twelve fit on a phone) and
the exact amount in its tooltip; the month is written under it."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from countyhub.core.money import format_money

WIDTH, HEIGHT, PADDING, LABEL_ROOM = 600, 220, 24, 14
BAR = (
    '<g class="bar"><rect x="{}" y="{}" width="{}" height="{}" fill="#2f6b3a">'
    "<title>{}</title></rect>"
    '<text class="value" x="{}" y="{}" font-size="9" text-anchor="middle">{}</text>'
    '<text x="{}" y="{}" font-size="9" text-anchor="middle">{}</text></g>'
)


def _short(total: Decimal) -> str:
    return f"{total.quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def sales_chart_svg(monthly: list[tuple[str, Decimal]], *, label: str = "") -> SafeString:
    """One bar per (month "YYYY-MM", total) given, in the order given."""
    if not monthly:
        return SafeString("")
    peak = max(total for _month, total in monthly) or Decimal(1)
    bar_width = (WIDTH - 2 * PADDING) / len(monthly)
    room = HEIGHT - 2 * PADDING - LABEL_ROOM
    bars = []
    for index, (month, total) in enumerate(monthly):
        height = float(total / peak) * room
        x = PADDING + index * bar_width
        top = HEIGHT - PADDING - height
        centre = f"{x + bar_width * 0.4:.1f}"
        bars.append(
            (
                f"{x:.1f}",
                f"{top:.1f}",
                f"{bar_width * 0.8:.1f}",
                f"{height:.1f}",
                f"{month}: {format_money(total)}",
                centre,
                f"{top - 3:.1f}",
                _short(total),
                centre,
                HEIGHT - 8,
                month[2:],
            )
        )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" width="100%">{}</svg>',
        WIDTH,
        HEIGHT,
        label or "sales",
        format_html_join("", BAR, bars),
    )
