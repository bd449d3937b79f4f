"""Who may see a channel and import for which sellers. A channel a user may not see is missing
(404), never forbidden: its existence is no one else's business."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from countyhub.catalog.models import Product, Seller
from countyhub.channels.models import Channel
from countyhub.core.permissions import admin_county_ids, is_county_admin


def visible_channels(user: Any) -> QuerySet[Channel]:
    """The channels of the counties where the user administers or works for a seller."""
    if not getattr(user, "is_authenticated", False):
        return Channel.objects.none()
    counties = admin_county_ids(user)
    if counties is None:
        return Channel.objects.all()
    seller_counties = user.seller_staff_of.values("county_id")
    return Channel.objects.filter(Q(county_id__in=counties) | Q(county_id__in=seller_counties))


def own_sellers(user: Any, channel: Channel) -> QuerySet[Seller]:
    """Sellers whose products the user lists, syncs and imports orders for on `channel`: their
    own; county administrators all of the channel's county. `user` None is the command line,
    run by whoever runs the server, for the whole county."""
    return county_sellers(user, channel.county_id)


def county_sellers(user: Any, county_id: int) -> QuerySet[Seller]:
    sellers = Seller.objects.filter(county_id=county_id)
    if user is None or is_county_admin(user, county_id):
        return sellers
    if not getattr(user, "is_authenticated", False):
        return Seller.objects.none()
    return sellers.filter(staff=user)


def own_products(user: Any, channel: Channel) -> QuerySet[Product]:
    return county_products(user, channel.county_id)


def county_products(user: Any, county_id: int) -> QuerySet[Product]:
    """The county's products whose channels, sales and orders the user may see."""
    return Product.objects.filter(county_id=county_id, seller__in=county_sellers(user, county_id))


def channel_by_code(user: Any, code: str, county: str = "") -> Channel | None:
    """The visible channel with `code` (in the county of slug `county`, when given); None if
    there is none, or several in the user's counties and no county was given."""
    channels = visible_channels(user).filter(code=code).select_related("county")
    if county:
        channels = channels.filter(county__slug=county)
    found = list(channels[:2])
    return found[0] if len(found) == 1 else None
