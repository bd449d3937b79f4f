"""The demo county's townships and villages, its village service stations, and households."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from countyhub.catalog.services import register_household
from countyhub.core.audit import save_with_audit
from countyhub.core.models import Township, Village
from countyhub.core.months import add_months
from countyhub.demo import data
from countyhub.stations.models import StationService
from countyhub.stations.services import save_station


def build_places(county: Any, admin: Any) -> dict[str, Any]:
    """Townships and villages, entered by county staff in the admin."""
    villages = {}
    for township_name, village_names in data.TOWNSHIPS.items():
        township = save_with_audit(
            actor=admin, instance=Township(county=county, name=township_name), county=county
        )
        for name in village_names:
            villages[name] = save_with_audit(
                actor=admin,
                instance=Village(
                    county=county,
                    township=township,
                    name=name,
                    distance_to_seat_km=Decimal(data.VILLAGE_DISTANCES_KM[name]),
                ),
                county=county,
            )
    return villages


def build_stations(villages: dict[str, Any], admin: Any) -> dict[str, Any]:
    """The villages' service stations, opened over the last two years; the last one recently
    took coverage past the 50% mark."""
    services = StationService.values
    stations = {}
    for index, name in enumerate([*sorted(data.STATION_VILLAGES), data.LAST_STATION_VILLAGE]):
        stations[name] = save_station(
            village=villages[name],
            actor=admin,
            operator_name=f"{data.SURNAMES[index]}站长",
            address=f"{name}村委会一楼",
            opening_hours="08:00-18:00",
            services=services[: 2 + index % 3],
            latitude=Decimal("30.2") + Decimal(index) / 50,
            longitude=Decimal("110.5") + Decimal(index) / 40,
            opened_on=add_months(timezone.localdate(), -22 + index * 3),
        )
    return stations


def build_households(villages: dict[str, Any], admin: Any, rng: random.Random) -> list[Any]:
    """Farmer households with their members, a third of them registered poor, registered by
    county staff as a station operator registers them."""
    households = []
    village_list = list(villages.values())
    for index in range(48):
        poor = index % 3 == 0
        head_name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES)
        exit_year = rng.choice([2017, 2018, 2019, 2020]) if poor else None
        relations = ["配偶", "子女", "子女"][: rng.randint(1, 3)]
        households.append(
            register_household(
                actor=admin,
                village=village_list[index % len(village_list)],
                head_name=head_name,
                # A phone each: two heads of the same name in a village are two households.
                phone=f"1370731{index:04d}",
                registered_poor=poor,
                poverty_exit_year=exit_year,
                head_birth_year=data.head_birth_year(index),
                members=[(head_name[0] + rng.choice(data.GIVEN_NAMES), r) for r in relations],
            )
        )
    return households
