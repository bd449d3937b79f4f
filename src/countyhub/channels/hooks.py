"""What apps above channels tell it without channels importing them (the import layers forbid
it): the exchange rate a foreign-currency channel converts its prices at, and the checks a
product must pass before it is offered on a channel. The cross-border app fills both in its
AppConfig.ready; with nothing registered, no rate is known and nothing is checked."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from countyhub.catalog.models import Product
    from countyhub.channels.models import Channel

# (currency, day) -> the latest rate on or before `day`, or None.
RateLookup = Callable[[str, datetime.date], "FoundRate | None"]
# (channel, product, day) -> what the product lacks to be offered on the channel, in words.
ListingCheck = Callable[["Channel", "Product", datetime.date], list[str]]


class FoundRate(NamedTuple):
    rate: Decimal  # CNY per unit of the currency
    date: datetime.date  # the rate's own date
    source: str  # who published it (crossborder.models.RateSource)


_rate_lookups: list[RateLookup] = []
_listing_checks: list[ListingCheck] = []


def register_rate_lookup(lookup: RateLookup) -> None:
    if lookup not in _rate_lookups:
        _rate_lookups.append(lookup)


def register_listing_check(check: ListingCheck) -> None:
    if check not in _listing_checks:
        _listing_checks.append(check)


def latest_rate(currency: str, day: datetime.date) -> FoundRate | None:
    """The first registered lookup's answer."""
    for lookup in _rate_lookups:
        found = lookup(currency, day)
        if found is not None:
            return found
    return None


def listing_gaps(channel: Channel, product: Product, day: datetime.date) -> list[str]:
    """Every registered check's gaps, in order."""
    return [gap for check in _listing_checks for gap in check(channel, product, day)]
