"""Who may see and change which batches. Every trace page and API call asks these questions."""

from __future__ import annotations

from typing import Any

from countyhub.core.permissions import is_county_admin as is_county_admin
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
    several sellers' goods, which have no seller)."""
    return (container.seller_id is not None and container.seller_id in seller_ids_of(user)) or (
        is_county_admin(user, container.county_id)
    )
