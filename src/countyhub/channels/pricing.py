"""A channel's price rule: the product's CNY price with the channel's markup, converted to the
channel's currency at the latest rate on or before the day (Decimal, never float), rounded half
up to the currency's minor units, then given the channel's price ending."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from countyhub.catalog.models import Product
from countyhub.channels import hooks
from countyhub.channels.errors import ChannelError, ChannelErrorCode
from countyhub.channels.models import Channel
from countyhub.customs.currencies import (
    CNY,
    PriceEnding,
    apply_ending,
    convert_from_cny,
    round_amount,
)


def rule_price(channel: Channel, product: Product, day: datetime.date) -> Decimal:
    """The listing price `channel`'s rule gives `product` on `day`, in the channel's currency.

    Raises ChannelError (missing_rate) naming the currency and the day when no rate is known
    on or before it."""
    marked_up = product.price * (1 + channel.markup_percent / 100)
    ending = PriceEnding(channel.charm)
    if channel.currency == CNY:
        return apply_ending(round_amount(marked_up, CNY), CNY, ending)
    found = hooks.latest_rate(channel.currency, day)
    if found is None:
        raise ChannelError(
            ChannelErrorCode.MISSING_RATE,
            _(
                "There is no %(currency)s exchange rate on or before %(date)s: enter that "
                "day's rate or set the price by hand."
            )
            % {"currency": channel.currency, "date": day.isoformat()},
            field="price",
        )
    return convert_from_cny(marked_up, found.rate, channel.currency, ending)
