"""Cold chain in the pure library: logger association, hourly sensor reports, schema-valid."""

import datetime

import pytest

from countyhub.gs1 import cbv, coldchain, keys
from countyhub.gs1.epcis import build_document, document_to_jsonld, validate_document
from countyhub.gs1.errors import GS1KeyError
from countyhub.gs1.hashing import event_hash_ids

TZ = datetime.timezone(datetime.timedelta(hours=8))
START = datetime.datetime(2026, 10, 1, 8, 0, tzinfo=TZ)
DEVICE = "https://trace.example.cn/8004/04522701TL-0001"
LOT = "https://trace.example.cn/01/00452270100018/10/A1"
NAMESPACES = cbv.CountyVocabulary().context()


def _readings(values, minutes=20):
    return [
        coldchain.Reading(START + datetime.timedelta(minutes=minutes * i), v)
        for i, v in enumerate(values)
    ]


def test_a_trip_is_three_schema_valid_events_with_distinct_hashes():
    readings = _readings([4.0, 5.0, 3.0, 6.5, 2.5, 4.0])
    events = [
        coldchain.logger_association(lot_uri=LOT, device_uri=DEVICE, at=START, attach=True),
        coldchain.sensor_report_event(
            lot_uri=LOT, device_uri=DEVICE, readings=readings, required=(0, 8)
        ),
        coldchain.logger_association(
            lot_uri=LOT, device_uri=DEVICE, at=readings[-1].time, attach=False
        ),
    ]
    document = document_to_jsonld(build_document(events, namespaces=NAMESPACES))
    assert validate_document(document) == []
    association = document["epcisBody"]["eventList"][0]
    assert association["type"] == "AssociationEvent" and association["parentID"] == DEVICE
    assert association["childQuantityList"] == [{"epcClass": LOT}]
    assert len(set(event_hash_ids(events, namespaces=NAMESPACES))) == 3


def test_readings_are_summarised_per_hour_and_read_back():
    readings = _readings([4.0, 5.0, 3.0, 6.5, 2.5, 4.0])  # 08:00-08:40, 09:00-09:40
    event = coldchain.sensor_report_event(
        lot_uri=LOT, device_uri=DEVICE, readings=list(reversed(readings)), required=(0, 8)
    )
    (element,) = event.sensor_elements
    trip, *hours = element["sensorReport"]
    assert (trip["minValue"], trip["maxValue"], trip["meanValue"]) == (2.5, 6.5, 4.17)
    assert "exception" not in trip
    assert [(h["minValue"], h["maxValue"]) for h in hours] == [(3.0, 5.0), (2.5, 6.5)]
    assert event.event_time == readings[-1].time  # reported when the logger was read out
    from countyhub.gs1.epcis import event_to_jsonld

    summary = coldchain.summary_of(event_to_jsonld(event))
    assert summary is not None and summary.kept and summary.count == 6
    assert (summary.start, summary.end) == (readings[0].time, readings[-1].time)
    assert [h[0].hour for h in summary.hours] == [8, 9]


def test_an_excursion_raises_an_alarm_and_is_not_kept():
    event = coldchain.sensor_report_event(
        lot_uri=LOT, device_uri=DEVICE, readings=_readings([4.0, 9.2]), required=(0, 8)
    )
    trip = event.sensor_elements[0]["sensorReport"][0]
    assert trip["exception"] == "ALARM_CONDITION"
    from countyhub.gs1.epcis import event_to_jsonld

    assert not coldchain.summary_of(event_to_jsonld(event)).kept


def test_giai_of_a_logger():
    assert keys.giai("04522701", "TL-0001") == "04522701TL-0001"
    with pytest.raises(GS1KeyError, match="position 3"):
        keys.giai("04522701", "TL 1")
    with pytest.raises(GS1KeyError, match="at most 22"):
        keys.giai("04522701", "X" * 23)
