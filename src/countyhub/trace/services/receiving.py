"""A village service station takes in a case or pallet."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.gs1 import cbv
from countyhub.gs1.epcis import Event, EventType, Location, offset_of
from countyhub.stations.models import Station
from countyhub.trace import policies
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.identifiers import container_uri
from countyhub.trace.models import Container, EventKind
from countyhub.trace.services.containers import _batch_ids_inside, _lock_batches, _minute
from countyhub.trace.services.events import _aware, _check_time, append_shared_event


@transaction.atomic
def receive_at_station(
    *,
    actor: Any,
    container: Container,
    station: Station,
    event_time: datetime.datetime | None = None,
) -> Container:
    """A village service station takes in a case or pallet (CBV `receiving`, disposition
    `in_progress`, the station as where it is now) on every batch inside; the station's
    operator may then unpack it to hand the goods out."""
    locked = Container.objects.select_for_update().get(pk=container.pk)
    if station.pk not in policies.receiving_stations(actor, locked):
        if not locked.is_open or locked.parent_id is not None or locked.received_at is not None:
            raise TraceError(
                TraceErrorCode.INVALID_TRANSITION,
                _("%(sscc)s cannot be received: it is unpacked, on a pallet or already in.")
                % {"sscc": locked.sscc},
                field="container",
            )
        raise PermissionDenied(_("Only the station's operator or county staff may do this."))
    batches = _lock_batches(_batch_ids_inside([locked]))
    moment = _aware(event_time)
    _check_time(batches[min(batches)], moment)
    if moment < _minute(locked.packed_at):
        raise TraceError(
            TraceErrorCode.INVALID_TIME,
            _("This is before the container was packed."),
            field="event_time",
        )
    moment = max(moment, locked.packed_at)
    place = Location(
        id=f"urn:countyhub:station:{station.county_id}:{station.pk}",
        extensions={f"{cbv.COUNTY_PREFIX}:placeName": str(station)},
    )
    event = Event(
        type=EventType.OBJECT,
        event_time=moment,
        event_time_zone_offset=offset_of(moment),
        action="OBSERVE",
        epc_list=(container_uri(locked.sscc),),
        biz_step="receiving",
        disposition="in_progress",
        read_point=place,
        biz_location=place,
    )
    append_shared_event(
        batches=list(batches.values()), kind=EventKind.RECEIVING, event=event, actor=actor
    )
    Container.objects.filter(pk=locked.pk).update(received_at=moment, received_station=station)
    locked.received_at, locked.received_station = moment, station
    record_audit(
        actor=actor,
        action="container.received",
        target=locked,
        county=locked.county,
        changes={"sscc": locked.sscc, "station": station.pk},
    )
    return locked
