"""Who may see and change which batches. Every trace page and API call asks these questions."""

from __future__ import annotations

from typing import Any

from countyhub.core.permissions import is_county_admin as is_county_admin
from countyhub.core.permissions import operated_station_ids
from countyhub.stations.selectors import open_stations
from countyhub.trace.models import Batch, Container


def seller_ids_of(user: Any) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = user.__dict__
    if "_countyhub_seller_ids" not in cache:
        cache["_countyhub_seller_ids"] = set(user.seller_staff_of.values_list("pk", flat=True))
    return cache["_countyhub_seller_ids"]


def may_record(user: Any, batch: Batch) -> bool:
    """Sellers record only on their own batches; county staff record inspections anywhere."""
    return batch.seller_id in seller_ids_of(user) or is_county_admin(user, batch.county_id)


def may_view(user: Any, batch: Batch) -> bool:
    """The back-office view of a batch (orders it went to, scans): its seller and county staff."""
    return may_record(user, batch)


def may_create_for(user: Any, seller_id: int, county_id: int) -> bool:
    return seller_id in seller_ids_of(user) or is_county_admin(user, county_id)


def may_handle_container(user: Any, container: Container) -> bool:
    """A case or pallet: its seller's staff, or county staff (who also handle pallets mixing
    several sellers' goods, which have no seller), or the operator of the village station that
    received it (who unpacks it to hand the goods out)."""
    return (
        (container.seller_id is not None and container.seller_id in seller_ids_of(user))
        or is_county_admin(user, container.county_id)
        or container.received_station_id in operated_station_ids(user, container.county_id)
    )


def receiving_stations(user: Any, container: Container) -> list[int]:
    """The stations at which a user may take a container in: their own as station operator; any
    of the county's stations for county staff. None while it is closed, on nothing, not yet in."""
    if not (container.is_open and container.parent_id is None and container.received_at is None):
        return []
    if is_county_admin(user, container.county_id):
        return list(
            open_stations(container.county_id)
            .order_by("village__name")
            .values_list("pk", flat=True)
        )
    return sorted(operated_station_ids(user, container.county_id))
