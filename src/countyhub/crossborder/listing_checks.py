"""What the channels app asks this one through its hooks: the exchange rate a channel's price
rule converts at, and what a product lacks to be listed on a cross-border channel."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from countyhub.catalog.models import Product
from countyhub.channels.hooks import FoundRate
from countyhub.channels.models import Channel, ChannelKind
from countyhub.crossborder.models import ExchangeRate, RateSource
from countyhub.crossborder.selectors import trade_data_gaps


def latest_rate(currency: str, day: datetime.date) -> FoundRate | None:
    """The latest PBOC central parity of `currency` on or before `day` (a weekend or holiday
    has none: the last working day's applies), with its date."""
    rate = (
        ExchangeRate.objects.filter(currency=currency, date__lte=day, source=RateSource.PBOC)
        .order_by("-date")
        .first()
    )
    return None if rate is None else FoundRate(rate.rate, rate.date, rate.source)


def crossborder_gaps(channel: Channel, product: Product, day: datetime.date) -> list[str]:
    """On a cross-border channel: complete trade data and, where the HS line needs inspection,
    a valid compliance record for the channel's destination. Other channels: nothing."""
    if channel.kind != ChannelKind.CROSSBORDER:
        return []
    if not channel.destination:
        return [
            _("The channel %(channel)s has no destination country: set it first.")
            % {"channel": channel.name}
        ]
    return trade_data_gaps(product, channel.destination, day)
