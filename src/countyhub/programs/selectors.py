"""Queries of the programs pages."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Count, QuerySet, Sum

from countyhub.core.models import County
from countyhub.programs.models import LedgerEntry, Task, TaskStatus
from countyhub.shop.models import Order


def tasks_of_county(county: County) -> QuerySet[Task]:
    return Task.objects.filter(program__county=county).select_related("owner", "program")


def is_overdue(task: Task, today: datetime.date) -> bool:
    return task.status != TaskStatus.DONE and task.deadline < today


def open_tasks_by_owner(*, today: datetime.date) -> dict[Any, list[Task]]:
    """Every owner's open tasks, for the weekly digest (overdue first, then by deadline)."""
    owners: dict[Any, list[Task]] = defaultdict(list)
    for task in (
        Task.objects.exclude(status=TaskStatus.DONE)
        .select_related("owner", "program__county")
        .order_by("owner_id", "deadline", "pk")
    ):
        owners[task.owner].append(task)
    return owners


def parcels_per_station(county: County) -> dict[int, int]:
    """Parcels handled per station: orders delivered to it, not cancelled."""
    return dict(
        Order.objects.filter(county=county, station__isnull=False)
        .exclude(status="cancelled")
        .values_list("station_id")
        .annotate(n=Count("pk"))
    )


def ledger_of_sellers(seller_ids: list[int]) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(seller_id__in=seller_ids)
        .select_related("rule", "seller", "run")
        .order_by("-fact_period", "-pk")
    )


def ledger_total(entries: QuerySet[LedgerEntry]) -> Any:
    return entries.aggregate(total=Sum("amount"))["total"]
