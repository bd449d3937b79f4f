"""Who may see and change an order. Invisible orders are reported as missing (404), never 403."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from countyhub.core.models import Role
from countyhub.core.permissions import admin_county_ids, is_county_admin
from countyhub.shop.models import DeliveryMethod, Order, OrderStatus
from countyhub.stations.models import Station
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
    """A courier's home delivery: the seller or county staff. A station parcel is handed over
    at the station desk instead (may_work_station_desk)."""
    return order.delivery_method != DeliveryMethod.STATION and may_fulfil(user, order)


def runs_station(user: Any, station_id: int | None) -> bool:
    """One of the station's operators (an open station, in the operator's county)."""
    return station_id is not None and operated_stations(user).filter(pk=station_id).exists()


def may_work_station_desk(user: Any, station: Station) -> bool:
    """Receive, hand over and return a station's parcels and close its day: the station's
    operators, or county staff (whose hand-over needs a reason and is audited)."""
    return runs_station(user, station.pk) or is_county_admin(user, station.county_id)


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
