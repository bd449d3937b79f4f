"""Stored events as the timeline entries the trace page and the back office show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Unit
from countyhub.catalog.units import GRAM, LITRE, quantity_with_unit
from countyhub.gs1 import cbv, coldchain, farming, keys
from countyhub.gs1.digital_link import DigitalLink
from countyhub.gs1.digital_link import parse as parse_digital_link
from countyhub.gs1.errors import DigitalLinkError
from countyhub.trace import charts
from countyhub.trace.models import EventKind, IrrigationMethod, TraceEvent
from countyhub.trace.selectors.steps import step_name

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
    f"{_P}treatmentProduct": _("treatment product"),
    f"{_P}withdrawalPeriodDays": _("withdrawal period (days)"),
    f"{_P}description": _("what was done"),
    f"{_P}material": _("material used"),
    f"{_P}harvestDate": _("harvest date"),
}
QUANTITY_LABELS = {
    "quantityList": _("quantity"),
    "inputQuantityList": _("harvest used"),
    "outputQuantityList": pgettext_lazy("packing output", "packed"),
}
UOM_LABELS = {"KGM": _("kg"), "GRM": _("g"), "H87": _("pieces"), "XBX": _("boxes"),
              "XBG": _("bags"), "XBO": _("bottles"), "LTR": _("litres")}  # fmt: skip
# An event's quantity in the catalog's units, so that it reads "1 box", "2 boxes".
UOM_UNITS = {"KGM": Unit.KILOGRAM, "GRM": GRAM, "H87": Unit.PIECE, "XBX": Unit.BOX,
             "XBG": Unit.BAG, "XBO": Unit.BOTTLE, "LTR": LITRE}  # fmt: skip


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


def _amount(item: dict[str, Any]) -> str:
    uom = item.get("uom", "")
    return quantity_with_unit(item["quantity"], UOM_UNITS.get(uom, uom))


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
    named = _harvest_step_named(data.get(f"{_P}step"))
    if row.kind == EventKind.HARVEST and named is not None:
        entry.label = step_name(named)
    for key, label in DETAIL_LABELS.items():
        source = data.get("ilmd", {}) if key.endswith("harvestDate") else data
        if key in source:
            value = _number(source[key])
            if key.endswith("doseUnit"):  # a UN/CEFACT code: show the unit's name
                value = str(UOM_LABELS.get(value, value))
            elif key.endswith("irrigationMethod") and value in IrrigationMethod.values:
                value = str(IrrigationMethod(value).label)
            entry.details.append((str(label), value))
    for key, label in QUANTITY_LABELS.items():
        for item in data.get(key, []):
            if "quantity" in item:
                entry.details.append((str(label), _amount(item)))
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


def _harvest_step_named(name: Any) -> farming.Step | None:
    """The category's harvest-like step (extraction, plucking) an event names, if any."""
    return next(
        (
            step
            for steps in farming.VOCABULARIES.values()
            for step in steps
            if step.is_harvest and step.name_en == name
        ),
        None,
    )


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
        amount = _amount(item) if "quantity" in item else ""
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
