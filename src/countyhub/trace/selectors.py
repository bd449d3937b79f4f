"""Trace queries: the public trace page, a seller's batches with scan counts, recalls, exports."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Certification
from countyhub.core.models import Role
from countyhub.core.permissions import admin_county_ids
from countyhub.gs1 import cbv, coldchain, keys
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.digital_link import parse as parse_digital_link
from countyhub.gs1.epcis import EPCIS_CONTEXT, SCHEMA_VERSION
from countyhub.gs1.errors import DigitalLinkError
from countyhub.trace import charts, policies
from countyhub.trace.identifiers import NAMESPACES, batch_link, units_of
from countyhub.trace.models import (
    Batch,
    BatchShipment,
    Container,
    ContainerContent,
    ContainerLevel,
    EventKind,
    Scan,
    SerialisedUnit,
    TraceEvent,
)

_P = f"{cbv.COUNTY_PREFIX}:"
DETAIL_LABELS = {
    f"{_P}crop": _("crop"),
    f"{_P}variety": pgettext_lazy("crop", "variety"),
    f"{_P}areaMu": _("area (mu)"),
    f"{_P}fertiliserProduct": _("fertiliser"),
    f"{_P}sprayProduct": _("spray product"),
    f"{_P}preHarvestIntervalDays": _("pre-harvest interval (days)"),
    f"{_P}dose": _("dose"),
    f"{_P}doseUnit": _("dose unit"),
    f"{_P}irrigationVolumeM3": _("water (m³)"),
    f"{_P}irrigationMethod": _("irrigation method"),
    f"{_P}harvestDate": _("harvest date"),
}
QUANTITY_LABELS = {
    "quantityList": _("quantity"),
    "inputQuantityList": _("harvest used"),
    "outputQuantityList": pgettext_lazy("packing output", "packed"),
}
UOM_LABELS = {"KGM": _("kg"), "GRM": _("g"), "H87": _("pieces"), "XBX": _("boxes"),
              "XBG": _("bags"), "XBO": _("bottles"), "LTR": _("litres")}  # fmt: skip


@dataclass
class TimelineEntry:
    sequence: int
    kind: str
    label: str
    time: datetime.datetime
    details: list[tuple[str, str]] = field(default_factory=list)
    documents: list[cbv.AttachedDocument] = field(default_factory=list)
    disposition: str = ""
    place: str = ""
    latitude: float | None = None
    longitude: float | None = None
    corrected: bool = False
    is_correction: bool = False
    event_id: str = ""
    pk: int = 0


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def timeline_entry(row: TraceEvent) -> TimelineEntry:
    data = row.document
    entry = TimelineEntry(
        sequence=row.sequence,
        kind=row.kind,
        label=str(EventKind(row.kind).label) if row.kind in EventKind.values else row.kind,
        time=timezone.localtime(row.event_time),
        disposition=cbv.bare_term("disposition", data.get("disposition", "")),
        event_id=row.event_id,
        pk=row.pk,
    )
    for key, label in DETAIL_LABELS.items():
        source = data.get("ilmd", {}) if key.endswith("harvestDate") else data
        if key in source:
            value = _number(source[key])
            if key.endswith("doseUnit"):  # a UN/CEFACT code: show the unit's name
                value = str(UOM_LABELS.get(value, value))
            entry.details.append((str(label), value))
    for key, label in QUANTITY_LABELS.items():
        for item in data.get(key, []):
            if "quantity" in item:
                unit = UOM_LABELS.get(item.get("uom", ""), item.get("uom", ""))
                entry.details.append((str(label), f"{_number(item['quantity'])} {unit}"))
    entry.details += _cold_chain_details(row.kind, data)
    if data.get("type") == "AggregationEvent":
        entry.details += _aggregation_details(data)
    entry.documents = cbv.attached_documents(data)
    point = data.get("readPoint") or {}
    entry.place = point.get(f"{_P}placeName", "")
    if f"{_P}latitude" in point and f"{_P}longitude" in point:
        entry.latitude = float(point[f"{_P}latitude"])
        entry.longitude = float(point[f"{_P}longitude"])
    entry.is_correction = row.corrects_id is not None and row.kind != EventKind.ERROR_DECLARATION
    return entry


def _cold_chain_details(kind: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    if kind in (EventKind.LOGGER_ATTACHED, EventKind.LOGGER_DETACHED):
        return [(str(_("logger")), str(data.get("parentID", "")).rsplit("/", 1)[-1])]
    summary = coldchain.summary_of(data) if kind == EventKind.COLD_CHAIN else None
    if summary is None:
        return []
    mean = _("mean %(celsius)s °C") % {"celsius": f"{summary.mean:g}"}
    details = [
        (str(_("temperature")), f"{summary.minimum:g}–{summary.maximum:g} °C ({mean})"),
        (str(_("readings")), str(summary.count)),
    ]
    if summary.required_min is not None or summary.required_max is not None:
        low = "" if summary.required_min is None else f"{summary.required_min:g}"
        high = "" if summary.required_max is None else f"{summary.required_max:g}"
        details.append((str(_("allowed")), f"{low}–{high} °C"))
        details.append(
            (str(_("kept cold")), str(_("yes")) if summary.kept else str(_("no, out of range")))
        )
    return details


@dataclass(frozen=True)
class ColdChainTrip:
    summary: coldchain.ColdChainSummary

    @property
    def chart(self) -> SafeString:
        return charts.temperature_svg(self.summary)


def packing_balance(batch: Batch, *, excluding: TraceEvent | None) -> tuple[float, float, float]:
    """(kg harvested, kg already packed, units already packed) from the batch's standing
    events: corrected events are replaced by their corrections, and `excluding` (the event
    being corrected) does not count."""
    rows = list(batch.events.filter(kind__in=[EventKind.HARVEST, EventKind.PACKING]))
    declared = set(
        batch.events.filter(kind=EventKind.ERROR_DECLARATION).values_list("corrects_id", flat=True)
    )
    harvested = packed_kg = packed_units = 0.0
    for row in rows:
        if row.pk in declared or (excluding is not None and row.pk == excluding.pk):
            continue
        data = row.document
        if row.kind == EventKind.HARVEST:
            harvested += sum(q.get("quantity", 0) for q in data.get("quantityList", []))
        else:
            packed_kg += sum(q.get("quantity", 0) for q in data.get("inputQuantityList", []))
            packed_units += sum(units_of(batch, q) for q in data.get("outputQuantityList", []))
    return harvested, packed_kg, packed_units


@dataclass(frozen=True)
class SprayInterval:
    """A spraying before the harvest against its pre-harvest interval (安全间隔期)."""

    product: str
    sprayed: datetime.date
    interval_days: int
    harvested: datetime.date

    @property
    def days_before_harvest(self) -> int:
        return (self.harvested - self.sprayed).days

    @property
    def kept(self) -> bool:
        return self.days_before_harvest >= self.interval_days

    @property
    def safe_from(self) -> datetime.date:
        return self.sprayed + datetime.timedelta(days=self.interval_days)


def spray_intervals(
    rows: list[TraceEvent], *, harvested: datetime.datetime | None = None
) -> list[SprayInterval]:
    """Each standing spraying against the (first standing) harvest, or against `harvested`
    when a harvest is being recorded. Corrected events are left out: their corrections count."""
    declared = {row.corrects_id for row in rows if row.kind == EventKind.ERROR_DECLARATION}
    standing = [row for row in rows if row.pk not in declared]
    if harvested is None:
        harvests = [row.event_time for row in standing if row.kind == EventKind.HARVEST]
        if not harvests:
            return []
        harvested = min(harvests)
    day = timezone.localtime(harvested).date()
    intervals = []
    for row in standing:
        days = row.document.get(f"{_P}preHarvestIntervalDays")
        if row.kind != EventKind.SPRAYING or days is None or row.event_time > harvested:
            continue
        product = str(row.document.get(f"{_P}sprayProduct", ""))
        sprayed = timezone.localtime(row.event_time).date()
        intervals.append(SprayInterval(product, sprayed, int(days), day))
    return sorted(intervals, key=lambda interval: interval.sprayed)


def _aggregation_details(data: dict[str, Any]) -> list[tuple[str, str]]:
    """A case's or pallet's SSCC and what went in or out: units by serial, cases by SSCC, lots
    with their quantity; identifiers other than Digital Links are shown as they are."""
    details = []
    if data.get("parentID"):
        details.append((str(_("case or pallet")), _key_of(data["parentID"])))
    for uri in data.get("childEPCs") or []:
        link = _link_or_none(uri)
        label = (
            _("case")
            if link is not None and link.key_ai == "00"
            else pgettext_lazy("serialised item", "unit")
        )
        details.append((str(label), _key_of(uri)))
    for item in data.get("childQuantityList") or []:
        unit = UOM_LABELS.get(item.get("uom", ""), item.get("uom", ""))
        amount = f"{_number(item['quantity'])} {unit}".strip() if "quantity" in item else ""
        lot = _key_of(item.get("epcClass", ""))
        details.append((str(_("lot %(lot)s") % {"lot": lot}), amount))
    return details


def _link_or_none(uri: str) -> DigitalLink | None:
    try:
        return parse_digital_link(uri)
    except DigitalLinkError:
        return None


def _key_of(uri: str) -> str:
    """`(00) <sscc>` for an SSCC link, the serial or lot for a unit or lot link, else the URI."""
    link = _link_or_none(uri)
    if link is None:
        return uri
    if link.key_ai == "00":
        return keys.format_sscc(link.key)
    return link.serial or link.lot or link.key


def _fingerprint(rows: list[TraceEvent]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(row.event_hash.encode() + row.chain_hash.encode())
        digest.update(json.dumps(row.document, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def chain_verifies(batch: Batch, rows: list[TraceEvent]) -> bool:
    """Whether the batch's hash chain verifies, recomputed from the stored content.

    Recomputing CBV hashes costs ~25 ms per event, so the answer is cached under a digest of
    exactly the content checked: any change to a stored event changes the key and forces a full
    recomputation on the next view."""
    from countyhub.trace.verification import verify_batch

    if not rows:
        return False
    key = f"trace:chain:{batch.pk}:{batch.chain_head}:{batch.event_count}:{_fingerprint(rows)}"
    verdict = cache.get(key)
    if verdict is None:
        verdict = verify_batch(batch, rows) is None
        cache.set(key, verdict, timeout=24 * 3600)
    return verdict


@dataclass
class TracePage:
    batch: Batch
    entries: list[TimelineEntry]
    certifications: list[tuple[Certification, bool]]
    inspections: list[TimelineEntry]
    authentic: bool
    route: list[tuple[float, float, str]]
    shipped_orders: int
    destinations: list[str]
    spray_intervals: list[SprayInterval] = field(default_factory=list)
    cold_chain: list[ColdChainTrip] = field(default_factory=list)
    serial: str | None = None


def batch_for_link(*, gtin: str, lot: str) -> Batch | None:
    return (
        Batch.objects.select_related(
            "product__brand__parent", "seller__village__township", "county"
        )
        .filter(gtin=gtin, lot=lot)
        .first()
    )


def batch_for_harvest_link(*, gtin: str, lot: str) -> Batch | None:
    return Batch.objects.filter(harvest_gtin=gtin, lot=lot).first()


def batch_for_serial(*, gtin: str, serial: str) -> Batch | None:
    return (
        Batch.objects.select_related(
            "product__brand__parent", "seller__village__township", "county"
        )
        .filter(gtin=gtin, units__serial=serial)
        .first()
    )


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


def trace_page(batch: Batch) -> TracePage:
    """Everything the public trace page shows; no household or buyer data."""
    rows = list(TraceEvent.objects.filter(batch=batch).order_by("sequence"))
    corrected = {row.corrects_id for row in rows if row.kind == EventKind.ERROR_DECLARATION}
    entries = []
    for row in rows:
        if row.kind == EventKind.ERROR_DECLARATION:
            continue
        entry = timeline_entry(row)
        entry.corrected = row.pk in corrected
        entries.append(entry)
    entries.sort(key=lambda e: (e.time, e.sequence))
    today = timezone.localdate()
    certifications = [
        (cert, cert.is_valid_on(today))
        for cert in Certification.objects.filter(product_id=batch.product_id).order_by(
            "kind", "valid_until"
        )
    ]
    route = []
    for entry in entries:
        if entry.latitude is not None and not entry.corrected:
            point = (entry.latitude, entry.longitude, str(entry.label))
            if not route or route[-1][:2] != point[:2]:
                route.append(point)
    shipped = list(
        BatchShipment.objects.filter(batch=batch).values_list("order_id", "order__station__name")
    )
    destinations = sorted({name for _order, name in shipped if name})
    return TracePage(
        batch=batch,
        entries=entries,
        certifications=certifications,
        inspections=[e for e in entries if e.kind == EventKind.INSPECTION and not e.corrected],
        authentic=chain_verifies(batch, rows),
        route=route,
        shipped_orders=len({order for order, _name in shipped}),
        destinations=destinations,
        spray_intervals=spray_intervals(rows),
        cold_chain=[
            ColdChainTrip(summary)
            for row in rows
            if row.kind == EventKind.COLD_CHAIN and row.pk not in corrected
            for summary in [coldchain.summary_of(row.document)]
            if summary is not None
        ],
    )


# ---------------------------------------------------------------------------------------------
# Back office


def batches_visible_to(user: Any) -> QuerySet[Batch]:
    """The batches a user manages: their sellers' and, for county staff, their counties'."""
    counties = admin_county_ids(user)
    base = Batch.objects.select_related("product", "seller", "county")
    if counties is None:
        return base.all()
    return base.filter(Q(seller_id__in=policies.seller_ids_of(user)) | Q(county_id__in=counties))


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


@dataclass(frozen=True)
class RecallLine:
    order_number: str
    placed_at: datetime.datetime
    status: str
    product_name: str
    quantity: Any
    unit: str
    destination: str
    batch_lot: str


def recall_lines(batches: list[Batch]) -> list[RecallLine]:
    """Every order that received any of `batches`, with how much and where it went."""
    shipments = (
        BatchShipment.objects.filter(batch__in=batches)
        .select_related("order__station", "order_line", "batch")
        .order_by("order__placed_at", "order__number", "pk")
    )
    return [
        RecallLine(
            order_number=s.order.number,
            placed_at=s.order.placed_at,
            status=s.order.get_status_display(),
            product_name=s.order_line.product_name,
            quantity=s.quantity,
            unit=s.batch.get_unit_display(),
            destination=s.order.station.name if s.order.station else s.order.address,
            batch_lot=s.batch.lot,
        )
        for s in shipments
    ]


def export_document(events: QuerySet[TraceEvent] | list[TraceEvent]) -> dict[str, Any]:
    """The events as one EPCIS 2.0 JSON-LD EPCISDocument (validates against GS1's schema).

    An event declared in error appears once, in its declared form (same eventID), next to its
    corrective event, as an EPCIS repository returns it."""
    latest: dict[str, dict[str, Any]] = {}
    for row in sorted(events, key=lambda r: (r.batch_id, r.sequence)):
        if latest.get(row.event_id) == row.document:
            continue  # an event shared by several batches' chains (a case, a pallet): once
        latest.pop(row.event_id, None)
        latest[row.event_id] = row.document
    return {
        "@context": [EPCIS_CONTEXT, NAMESPACES],
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "epcisBody": {"eventList": list(latest.values())},
    }


def events_between(
    batches: QuerySet[Batch], *, since: datetime.date | None, until: datetime.date | None
) -> QuerySet[TraceEvent]:
    events = TraceEvent.objects.filter(batch__in=batches)
    if since is not None:
        events = events.filter(event_time__date__gte=since)
    if until is not None:
        events = events.filter(event_time__date__lte=until)
    return events.order_by("batch_id", "sequence")


# ---------------------------------------------------------------------------------------------
# Cases and pallets


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
