"""Who may see and change an order. Invisible orders are reported as missing (404), never 403."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from countyhub.core.models import Role
from countyhub.core.permissions import admin_county_ids, is_county_admin, roles_in
from countyhub.shop.models import Order, OrderStatus
from countyhub.stations.selectors import operated_stations


def visible_orders(user: Any) -> QuerySet[Order]:
    """Orders a user may read: their own, their seller's, their county's, their station's."""
    if not getattr(user, "is_authenticated", False):
        return Order.objects.none()
    if user.is_superuser:
        return Order.objects.all()
    counties = admin_county_ids(user) or []
    stations = user.memberships.filter(role=Role.STATION_OPERATOR, station__isnull=False)
    return Order.objects.filter(
        Q(buyer=user)
        | Q(seller__staff=user)
        | Q(county_id__in=counties)
        | Q(station_id__in=stations.values("station_id"))
    ).distinct()


def is_seller_staff(user: Any, seller_id: int) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.seller_staff_of.filter(pk=seller_id).exists()
    )


def may_fulfil(user: Any, order: Order) -> bool:
    """Pack and ship: the order's seller or the county's administrators."""
    return is_seller_staff(user, order.seller_id) or is_county_admin(user, order.county_id)


def may_mark_paid(user: Any, order: Order) -> bool:
    return is_county_admin(user, order.county_id)


def may_confirm_delivery(user: Any, order: Order) -> bool:
    station_operator = Role.STATION_OPERATOR in roles_in(user, order.county_id)
    at_station = (
        station_operator
        and order.station_id is not None
        and user.memberships.filter(
            role=Role.STATION_OPERATOR, station_id=order.station_id
        ).exists()
    )
    return at_station or may_fulfil(user, order)


def may_see_villager(user: Any, order: Order) -> bool:
    """An assisted order's villager (personal data): the station's operators, the seller who
    ships it and county staff; not the buyer account as such (an operator who left the station)."""
    return operated_stations(user).filter(pk=order.station_id).exists() or may_fulfil(user, order)


def may_cancel(user: Any, order: Order) -> bool:
    """Buyers cancel their own order until it is packed; sellers and staff until it ships."""
    if order.buyer_id == getattr(user, "pk", None) and order.status in {
        OrderStatus.PLACED,
        OrderStatus.PAID,
    }:
        return True
    return may_fulfil(user, order)


def may_complete(user: Any, order: Order) -> bool:
    """The buyer confirms receipt of a delivered order."""
    return order.buyer_id == getattr(user, "pk", None)
