"""The seller dashboard's sales by channel: `{% load channel_sales %}{% channel_sales sellers %}`.

A template tag, so that the shop (a lower layer) draws the channels' figures without importing
them: the panel shows only where the sellers' county has channels."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from countyhub.channels.charts import channel_chart_svg
from countyhub.channels.models import Channel
from countyhub.channels.selectors import STOREFRONT, seller_channel_sales
from countyhub.shop.selectors import last_months

register = template.Library()


@register.inclusion_tag("channels/_seller_channel_sales.html")
def channel_sales(sellers: list[Any]) -> dict[str, Any]:
    county_ids = {seller.county_id for seller in sellers}
    channels = Channel.objects.filter(county_id__in=county_ids)
    if not channels.exists():
        return {"shown": False}
    names = dict(channels.values_list("code", "name"))
    names[STOREFRONT] = _("own storefront")
    found = seller_channel_sales(
        sellers=sellers, months=[f"{month:%Y-%m}" for month in last_months()]
    )

    def named(rows: Any) -> list[dict[str, Any]]:
        return [{"name": names.get(row.channel, row.channel), "row": row} for row in rows]

    channel_rows = named(found.channels)
    return {
        "shown": True,
        "counties": found.counties,
        "channels": channel_rows,
        "months": named(found.months),
        "chart": channel_chart_svg(
            [(item["name"], item["row"].sales) for item in channel_rows],
            label=_("Sales by channel in the last 12 months"),
        ),
    }
