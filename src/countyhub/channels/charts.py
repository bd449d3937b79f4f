"""Sales per channel as a bar chart, drawn like the seller dashboard's 12-month chart (inline
SVG, no JavaScript): the value above each bar, the exact amount in its tooltip, the channel
under it."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from countyhub.core.money import format_money
from countyhub.shop.charts import BAR, HEIGHT, LABEL_ROOM, PADDING, WIDTH, _short


def channel_chart_svg(totals: list[tuple[str, Decimal]], *, label: str) -> SafeString:
    """One bar per (channel name, total), in the order given."""
    if not totals:
        return SafeString("")
    peak = max(total for _name, total in totals) or Decimal(1)
    # A phone shows a few channels wide; bars keep the 12-month chart's width at most.
    bar_width = (WIDTH - 2 * PADDING) / max(len(totals), 4)
    room = HEIGHT - 2 * PADDING - LABEL_ROOM
    bars = []
    for index, (name, total) in enumerate(totals):
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
                f"{name}: {format_money(total)}",
                centre,
                f"{top - 3:.1f}",
                _short(total),
                centre,
                HEIGHT - 8,
                name[:12],
            )
        )
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" width="100%">{}</svg>',
        WIDTH,
        HEIGHT,
        label,
        format_html_join("", BAR, bars),
    )
