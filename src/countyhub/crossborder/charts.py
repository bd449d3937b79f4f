"""The cross-border KPI chart as server-rendered SVG, drawn like the dashboard's bar charts:
one bar per destination, its value in CNY, the part from registered-poor households' products
in a darker shade."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from countyhub.core.money import format_money
from countyhub.crossborder.selectors import ExportKpis

GREEN, DARK = "#7fae86", "#2f6b3a"


def destinations_svg(kpis: ExportKpis) -> SafeString:
    """Horizontal bars by destination (viewBox-scaled: fits a 390-px phone)."""
    if not kpis.destinations:
        return SafeString("")
    # About a phone's width in user units, so that the 14-unit labels stay readable at 390 px.
    label_width, width, row_height = 30, 320, 24
    usable = width - label_width - 80
    peak = max(kpis.by_destination.values()) or Decimal(1)
    items = []
    for index, destination in enumerate(kpis.destinations):
        value = kpis.by_destination[destination]
        poor = kpis.poor_by_destination[destination]
        y = 6 + index * row_height
        text = format_money(value)
        items.append(
            (
                label_width - 6,
                y + 14,
                destination,
                label_width,
                y + 2,
                f"{float(value / peak) * usable:.1f}",
                GREEN,
                f"{destination}: {text}",
                label_width,
                y + 2,
                f"{float(poor / peak) * usable:.1f}",
                DARK,
                _("%(destination)s, from registered-poor households' products: %(amount)s")
                % {"destination": destination, "amount": format_money(poor)},
                f"{label_width + float(value / peak) * usable + 6:.1f}",
                y + 14,
                text,
            )
        )
    return format_html(
        '<svg class="hbar-chart" id="export-chart" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-label="{}">{}</svg>',
        width,
        12 + len(kpis.destinations) * row_height,
        _("Exports by destination, CNY"),
        format_html_join(
            "",
            '<g><text x="{}" y="{}" font-size="14" text-anchor="end">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="14" fill="{}"><title>{}</title></rect>'
            '<rect x="{}" y="{}" width="{}" height="14" fill="{}"><title>{}</title></rect>'
            '<text x="{}" y="{}" font-size="13">{}</text></g>',
            items,
        ),
    )
