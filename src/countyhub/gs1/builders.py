"""The county's own trace events, built from plain values: farming steps, harvest, inspection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from countyhub.gs1 import cbv
from countyhub.gs1.cbv import EventType
from countyhub.gs1.epcis import Event, Location, QuantityElement, offset_of


def harvest_event(
    *,
    lot_uri: str,
    quantity_kg: float,
    event_time: datetime,
    farm: str,
    step_name: str | None = None,
) -> Event:
    """A harvest: CBV has no `harvesting`, so it is `commissioning` of the lot (CBV.ttl).
    `step_name` names the category's harvest-like step (extraction, plucking) in the event."""
    return Event(
        type=EventType.OBJECT,
        event_time=event_time,
        event_time_zone_offset=offset_of(event_time),
        action="ADD",
        biz_step="commissioning",
        disposition="active",
        quantity_list=(QuantityElement(epc_class=lot_uri, quantity=quantity_kg, uom="KGM"),),
        read_point=Location(id=farm),
        ilmd={f"{cbv.COUNTY_PREFIX}:harvestDate": event_time.date().isoformat()},
        extensions={f"{cbv.COUNTY_PREFIX}:step": step_name} if step_name else {},
    )


def farming_event(
    step: cbv.FarmingStep,
    details: cbv.StepDetails,
    *,
    subject: str,
    event_time: datetime,
    plot: str,
    vocabulary: cbv.CountyVocabulary | None = None,
) -> Event:
    """A farming step CBV does not name, as an extension bizStep with namespaced details.

    `subject` is the lot's class URI (a Digital Link with /10/ lot); `plot` the field's ID.
    """
    if not isinstance(details, cbv.FARMING_DETAILS[step]):
        expected = cbv.FARMING_DETAILS[step].__name__
        raise TypeError(f"{step.value} needs {expected} details, got {type(details).__name__}")
    vocabulary = vocabulary or cbv.CountyVocabulary()
    return Event(
        type=EventType.OBJECT,
        event_time=event_time,
        event_time_zone_offset=offset_of(event_time),
        action="OBSERVE",
        biz_step=vocabulary.biz_step(step),
        quantity_list=(QuantityElement(epc_class=subject),),
        read_point=Location(id=plot),
        extensions=details.extensions(),
    )


def inspection_event(
    *,
    subject: str,
    event_time: datetime,
    documents: Sequence[cbv.AttachedDocument],
    location: str,
) -> Event:
    """An inspection with its certificates and lab reports; conformant only if all pass."""
    passed = all(document.result is cbv.DocumentResult.PASS for document in documents)
    return Event(
        type=EventType.OBJECT,
        event_time=event_time,
        event_time_zone_offset=offset_of(event_time),
        action="OBSERVE",
        biz_step="inspecting",
        disposition="conformant" if passed else "non_conformant",
        quantity_list=(QuantityElement(epc_class=subject),),
        read_point=Location(id=location),
        certification_info=tuple(d.uri for d in documents if d.kind == "certificate"),
        extensions=cbv.documents_extension(list(documents)),
    )
