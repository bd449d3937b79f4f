"""Scans: the trace page's version outside PostgreSQL, and scan counts for the back office."""

from __future__ import annotations

import datetime
import hashlib

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from countyhub.trace.models import Batch, Scan, SerialisedUnit, TraceEvent


def page_digest(**lookup: str) -> tuple[int, str] | None:
    """(batch id, digest of the batch row's chain head and every stored event's content and
    chain link) for the batch that `lookup` (gtin + lot, or gtin + serial) names, in one query
    and without decoding JSON; None when no batch has this code.

    The portable page version behind services.record_link_scan (PostgreSQL reads row versions
    there instead): any appended event moves the chain head, and any edit of stored content
    changes the text, so a changed record is never served from cache as verified."""
    event, batch, unit = (m._meta.db_table for m in (TraceEvent, Batch, SerialisedUnit))
    join, condition, value = "", "b.lot = %s", lookup.get("lot")
    if "lot" not in lookup:
        join, condition, value = (
            f"JOIN {unit} u ON u.batch_id = b.id",
            "u.serial = %s",
            lookup["serial"],
        )
    # A serial may repeat across batches of one GTIN: the newest batch, as batch_for_serial.
    sql = (
        f"SELECT b.id, b.chain_head, b.event_count, e.event_hash, e.chain_hash, "
        f"CAST(e.document AS TEXT) FROM {batch} b LEFT JOIN {event} e ON e.batch_id = b.id "
        f"WHERE b.id = (SELECT b.id FROM {batch} b {join} WHERE b.gtin = %s AND {condition} "
        "ORDER BY b.created_at DESC, b.id DESC LIMIT 1) ORDER BY e.sequence"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [lookup["gtin"], value])
        rows = cursor.fetchall()
    if not rows:
        return None
    digest = hashlib.sha256()
    for _batch, head, count, event_hash, link, text in rows:
        digest.update(f"{head}{count}{event_hash}{link}".encode())
        digest.update((text or "").encode())
    return rows[0][0], digest.hexdigest()


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
