"""Cases and pallets: those a user handles, and what a container holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum

from countyhub.core.models import Role
from countyhub.core.permissions import admin_county_ids
from countyhub.trace import policies
from countyhub.trace.identifiers import batch_link
from countyhub.trace.models import (
    Batch,
    Container,
    ContainerContent,
    ContainerLevel,
    SerialisedUnit,
)


def containers_visible_to(user: Any) -> QuerySet[Container]:
    """The cases and pallets a user handles: their sellers' and, for county staff, their
    counties' (including pallets that mix several sellers' goods); for a station operator,
    those their station received."""
    counties = admin_county_ids(user)
    base = Container.objects.select_related("county", "seller", "parent", "received_station")
    if counties is None:
        return base.all()
    return base.filter(
        Q(seller_id__in=policies.seller_ids_of(user))
        | Q(county_id__in=counties)
        | Q(received_station_id__in=operated_stations(user))
    )


def operated_stations(user: Any) -> QuerySet[Any]:
    """The village stations a user operates, in any county."""
    return user.memberships.filter(role=Role.STATION_OPERATOR, village__isnull=False).values(
        "village_id"
    )


def packable_cases(user: Any) -> QuerySet[Container]:
    """Closed cases not on a pallet yet, that the user may put onto one."""
    return containers_visible_to(user).filter(
        level=ContainerLevel.CASE, unpacked_at__isnull=True, parent__isnull=True
    )


def free_units(batch: Batch) -> QuerySet[SerialisedUnit]:
    """The batch's serialised units that are in no closed case."""
    return batch.units.exclude(container_contents__current=True).order_by("pk")


def packed_quantity(batch: Batch) -> Any:
    """How much of the lot (as quantities, not units) sits in closed cases."""
    total = ContainerContent.objects.filter(
        batch=batch, quantity__isnull=False, current=True
    ).aggregate(total=Sum("quantity"))["total"]
    return total or 0


@dataclass
class ContentLine:
    """One lot inside a container (directly or in one of its cases): what and how much."""

    batch: Batch
    quantity: Any = None
    serials: list[str] = field(default_factory=list)
    case: Container | None = None

    @property
    def path(self) -> str:
        """The local path of the lot's trace page (its Digital Link without the domain)."""
        return "/" + batch_link(self.batch).uri.split("/", 3)[3]


@dataclass
class ContainerView:
    container: Container
    lines: list[ContentLine]
    cases: list[Container]


def container_view(container: Container) -> ContainerView:
    """What a container holds now (or held when it was unpacked): for a pallet, its cases and
    their lots; for a case, its lots with quantities and serialised units."""
    opened = container.unpacked_at is not None
    if container.level == ContainerLevel.PALLET:
        rows = ContainerContent.objects.filter(container=container, child__isnull=False)
        if not opened:
            rows = rows.filter(current=True)
        cases = [row.child for row in rows.select_related("child").order_by("child__sscc")]
    else:
        cases = [container]
    contents = ContainerContent.objects.filter(
        container__in=cases, batch__isnull=False
    ).select_related("batch__product__brand__parent", "batch__seller", "unit", "container")
    if not opened:
        contents = contents.filter(current=True)
    lines: dict[tuple[int, int], ContentLine] = {}
    for row in contents.order_by("container__sscc", "batch_id", "pk"):
        line = lines.setdefault(
            (row.container_id, row.batch_id),
            ContentLine(
                batch=row.batch, case=row.container if row.container != container else None
            ),
        )
        if row.unit_id:
            line.serials.append(row.unit.serial)
        else:
            line.quantity = row.quantity
    return ContainerView(
        container=container,
        lines=list(lines.values()),
        cases=cases if container.level == ContainerLevel.PALLET else [],
    )


def container_for_sscc(sscc: str) -> Container | None:
    return Container.objects.select_related("county", "parent").filter(sscc=sscc).first()
