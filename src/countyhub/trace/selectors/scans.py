"""Scans: the version of the trace page a scanned link names, and scan counts for the back
office."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from countyhub.trace.models import Batch, Scan


def page_version(
    *, gtin: str, lot: str | None = None, serial: str | None = None
) -> tuple[int, int] | None:
    """(batch id, Batch.version) of the batch a lot link (`gtin` + `lot`) or serial link
    (`gtin` + `serial`) names, in one query; None when no batch has this code. A serial may
    repeat across batches of one GTIN: the newest batch, as batch_for_serial. On PostgreSQL
    services.record_link_scan reads the same inside its one scan statement."""
    batches = Batch.objects.filter(gtin=gtin)
    batches = batches.filter(lot=lot) if lot is not None else batches.filter(units__serial=serial)
    return batches.values_list("pk", "version").first()


def scan_counts(batch_ids: list[int], *, days: int = 30) -> dict[int, tuple[int, int]]:
    """Per batch: (all scans, scans in the last `days` days)."""
    since = timezone.now() - datetime.timedelta(days=days)
    rows = (
        Scan.objects.filter(batch_id__in=batch_ids)
        .values("batch_id")
        .annotate(total=Count("pk"), recent=Count("pk", filter=Q(scanned_at__gte=since)))
    )
    return {row["batch_id"]: (row["total"], row["recent"]) for row in rows}


def scans_per_day(batch_ids: list[int], *, days: int = 30) -> list[tuple[datetime.date, int]]:
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    counts = dict.fromkeys((start + datetime.timedelta(days=i) for i in range(days)), 0)
    moments = Scan.objects.filter(
        batch_id__in=batch_ids,
        scanned_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time())),
    ).values_list("scanned_at", flat=True)
    for moment in moments:
        day = timezone.localtime(moment).date()
        if day in counts:
            counts[day] += 1
    return list(counts.items())
