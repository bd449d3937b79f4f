"""Cold chain as EPCIS 2.0: a temperature logger (a GIAI) associated with a lot, its readings as
a `sensor_reporting` ObjectEvent (the How dimension), and the logger taken off again.

Readings are summarised per hour (min, max, mean), as loggers' own trip reports do: a trip of a
few days stays a few dozen sensor reports however often the logger sampled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean
from typing import Any

from countyhub.gs1 import cbv
from countyhub.gs1.cbv import EventType
from countyhub.gs1.epcis import Event, Location, QuantityElement, offset_of

TEMPERATURE = "Temperature"  # the schema's bare measurementType term
CELSIUS = "CEL"
REQUIRED_MIN = f"{cbv.COUNTY_PREFIX}:requiredMinC"
REQUIRED_MAX = f"{cbv.COUNTY_PREFIX}:requiredMaxC"


@dataclass(frozen=True)
class Reading:
    time: datetime
    celsius: float


@dataclass(frozen=True)
class ColdChainSummary:
    """What a sensor_reporting event says: the trip's span, extremes, and each hour's band."""

    device: str
    start: datetime
    end: datetime
    minimum: float
    maximum: float
    mean: float
    count: int
    required_min: float | None
    required_max: float | None
    hours: tuple[tuple[datetime, float, float, float], ...]  # (hour, min, max, mean)

    @property
    def kept(self) -> bool:
        low = self.required_min is None or self.minimum >= self.required_min
        high = self.required_max is None or self.maximum <= self.required_max
        return low and high


def _hourly(readings: Sequence[Reading]) -> list[tuple[datetime, list[float]]]:
    buckets: dict[datetime, list[float]] = {}
    for reading in readings:
        hour = reading.time.replace(minute=0, second=0, microsecond=0)
        buckets.setdefault(hour, []).append(reading.celsius)
    return sorted(buckets.items())


def sensor_report_event(
    *,
    lot_uri: str,
    device_uri: str,
    readings: Sequence[Reading],
    required: tuple[float | None, float | None] = (None, None),
    location: Location | None = None,
) -> Event:
    """The logger's readings for the lot, summarised per hour, as one `sensor_reporting`
    ObjectEvent at the last reading; an excursion outside `required` marks the trip report
    with an ALARM_CONDITION exception."""
    if not readings:
        raise ValueError("no readings")
    ordered = sorted(readings, key=lambda r: r.time)
    values = [r.celsius for r in ordered]
    low, high = required
    excursion = (low is not None and min(values) < low) or (high is not None and max(values) > high)
    trip: dict[str, Any] = {
        "type": TEMPERATURE,
        "minValue": min(values),
        "maxValue": max(values),
        "meanValue": round(fmean(values), 2),
        "uom": CELSIUS,
    }
    if excursion:
        trip["exception"] = "ALARM_CONDITION"
    reports = [trip] + [
        {
            "type": TEMPERATURE,
            "time": hour.isoformat(),
            "minValue": min(hour_values),
            "maxValue": max(hour_values),
            "meanValue": round(fmean(hour_values), 2),
            "uom": CELSIUS,
        }
        for hour, hour_values in _hourly(ordered)
    ]
    metadata: dict[str, Any] = {
        "deviceID": device_uri,
        "startTime": ordered[0].time.isoformat(),
        "endTime": ordered[-1].time.isoformat(),
        f"{cbv.COUNTY_PREFIX}:readingCount": len(ordered),
    }
    if low is not None:
        metadata[REQUIRED_MIN] = low
    if high is not None:
        metadata[REQUIRED_MAX] = high
    end = ordered[-1].time
    return Event(
        type=EventType.OBJECT,
        event_time=end,
        event_time_zone_offset=offset_of(end),
        action="OBSERVE",
        biz_step="sensor_reporting",
        quantity_list=(QuantityElement(epc_class=lot_uri),),
        read_point=location,
        sensor_elements=({"sensorMetadata": metadata, "sensorReport": reports},),
    )


def logger_association(
    *, lot_uri: str, device_uri: str, at: datetime, attach: bool, location: Location | None = None
) -> Event:
    """The logger put with the lot at loading (ADD) or taken off at unloading (DELETE)."""
    return Event(
        type=EventType.ASSOCIATION,
        event_time=at,
        event_time_zone_offset=offset_of(at),
        action="ADD" if attach else "DELETE",
        biz_step="loading" if attach else "unloading",
        parent_id=device_uri,
        child_quantity_list=(QuantityElement(epc_class=lot_uri),),
        read_point=location,
    )


def summary_of(data: dict[str, Any]) -> ColdChainSummary | None:
    """Read a stored sensor_reporting event's JSON back (None if it holds no temperatures)."""
    for element in data.get("sensorElementList") or []:
        metadata = element.get("sensorMetadata") or {}
        reports = [
            r
            for r in element.get("sensorReport") or []
            if r.get("type") in (TEMPERATURE, "gs1:Temperature")
        ]
        trip = next((r for r in reports if "time" not in r), None)
        if trip is None or "startTime" not in metadata:
            continue
        hours = tuple(
            (
                datetime.fromisoformat(r["time"]),
                float(r["minValue"]),
                float(r["maxValue"]),
                float(r["meanValue"]),
            )
            for r in reports
            if "time" in r and {"minValue", "maxValue", "meanValue"} <= r.keys()
        )
        return ColdChainSummary(
            device=str(metadata.get("deviceID", "")),
            start=datetime.fromisoformat(metadata["startTime"]),
            end=datetime.fromisoformat(metadata["endTime"]),
            minimum=float(trip["minValue"]),
            maximum=float(trip["maxValue"]),
            mean=float(trip["meanValue"]),
            count=int(metadata.get(f"{cbv.COUNTY_PREFIX}:readingCount", len(hours))),
            required_min=_optional(metadata.get(REQUIRED_MIN)),
            required_max=_optional(metadata.get(REQUIRED_MAX)),
            hours=hours,
        )
    return None


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)
