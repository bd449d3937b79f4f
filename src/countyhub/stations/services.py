"""Use cases of village service stations: open or change one, appoint its operators."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.models import Membership, Role, Village
from countyhub.core.services import grant_role
from countyhub.stations.errors import StationsError, StationsErrorCode
from countyhub.stations.models import Station, StationService


@transaction.atomic
def save_station(
    *,
    village: Village,
    actor: Any,
    operator_name: str,
    address: str,
    opening_hours: str,
    services: list[str],
    latitude: Decimal,
    longitude: Decimal,
    active: bool = True,
    opened_on: datetime.date | None = None,
) -> Station:
    """Open a village's station, or change it (closing it is `active=False`)."""
    village = Village.objects.select_for_update().get(pk=village.pk)
    unknown = [s for s in services if s not in StationService.values]
    if unknown:
        raise StationsError(
            StationsErrorCode.UNKNOWN_SERVICE,
            _("Unknown service: %(services)s.") % {"services": ", ".join(unknown)},
            field="services",
        )
    if not operator_name.strip():
        raise StationsError(
            StationsErrorCode.REQUIRED, _("Give the operator's name."), field="operator_name"
        )
    if not -90 <= latitude <= 90:
        raise StationsError(
            StationsErrorCode.OUT_OF_RANGE,
            _("Latitude must be between -90 and 90."),
            field="latitude",
        )
    if not -180 <= longitude <= 180:
        raise StationsError(
            StationsErrorCode.OUT_OF_RANGE,
            _("Longitude must be between -180 and 180."),
            field="longitude",
        )
    fields = {
        "county_id": village.county_id,
        "operator_name": operator_name.strip(),
        "address": address.strip(),
        "opening_hours": opening_hours.strip(),
        "services": sorted(set(services)),
        "latitude": latitude,
        "longitude": longitude,
        "active": active,
        **({"opened_on": opened_on} if opened_on else {}),
    }
    # A station opens once: changing it later keeps its day unless one is given.
    station, created = Station.objects.update_or_create(
        village=village,
        defaults=fields,
        create_defaults={"opened_on": timezone.localdate(), **fields},
    )
    record_audit(
        actor=actor,
        action="station.created" if created else "station.updated",
        target=station,
        county=village.county,
        changes={"active": active, "services": station.services},
    )
    return station


@transaction.atomic
def appoint_operator(*, actor: Any, station: Station, user: Any) -> Membership:
    """Make `user` an operator of `station`; a station may have several. A person runs one
    station per county: appointing them to another moves them there."""
    return grant_role(
        actor=actor, user=user, county=station.county, role=Role.STATION_OPERATOR, station=station
    )
