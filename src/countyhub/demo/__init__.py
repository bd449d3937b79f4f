"""The demo county, built idempotently by `countyhub demo`; the only maker of demo accounts.

One module per domain builds its part from the tables in `data`: `places` (villages, stations,
households), `catalog`, `images` (pictures of the products, the logos, the banner), `orders`
(two years of history), `trace`, `aftersales`, `crossborder`, `training`, `programs`,
`surveys`, `province` (the county's neighbours, their designations and yearbook figures) and
`rollout` (a neighbour's villages with stations opened in staggered years and ten years of
simulated sales, for the village DiD).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import transaction

from countyhub.core.audit import save_with_audit
from countyhub.core.models import County
from countyhub.demo import data
from countyhub.demo.accounts import (
    DEMO_PASSWORD,
    DEMO_USERNAMES,
    demo_user,
    ensure_demo_accounts,
    grant_demo_roles,
)
from countyhub.demo.aftersales import build_aftersales
from countyhub.demo.analyses import (
    build_analyses_demo,
    build_county_cpi,
    build_evaluation_demo,
    build_village_evaluation_demo,
)
from countyhub.demo.catalog import build_catalog, employ_poor_households
from countyhub.demo.channels import build_channels
from countyhub.demo.crossborder import build_crossborder
from countyhub.demo.gov832 import build_gov832
from countyhub.demo.images import build_pictures
from countyhub.demo.living_costs import build_reference_prices
from countyhub.demo.orders import (
    build_assisted_orders,
    build_orders_out_of_county,
    build_station_orders,
    close_a_station_day,
)
from countyhub.demo.places import build_households, build_places, build_stations
from countyhub.demo.programs import build_programs_demo
from countyhub.demo.province import build_province
from countyhub.demo.rollout import build_village_history, has_village_history
from countyhub.demo.shipping import build_shipping_rates
from countyhub.demo.surveys import build_surveys_demo
from countyhub.demo.trace import build_traced_batches
from countyhub.notifications.services import suppressed as notifications_suppressed

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["DEMO_PASSWORD", "DEMO_USERNAMES", "build_demo", "ensure_demo_accounts"]


def build_demo(
    *, console: Console | None = None, progress: Callable[[str], None] | None = None
) -> str:
    """Build the demo county; safe to run again (nothing is duplicated)."""
    created = ensure_demo_accounts()
    report = progress or (lambda _step: None)
    # The demo replays two years of history: nobody is told of those orders today.
    with transaction.atomic(), notifications_suppressed():
        existing = County.objects.filter(slug=data.COUNTY["slug"]).first()
        admin = get_user_model().objects.get(username="admin")
        if existing is not None:
            # A demo built before the province (or its village panel) existed gains it;
            # otherwise nothing changes.
            added = "" if existing.province_id else f"; {build_province(existing, admin)}"
            if not has_village_history(existing):
                added += f"; {_village_panel(existing, admin)}"
            return (
                f"{existing.name} already built{added}; "
                f"{len(DEMO_USERNAMES)} accounts ({created} new)"
            )
        county = save_with_audit(actor=admin, instance=County(**data.COUNTY), county=None)
        rng = random.Random(data.SEED)
        report("villages")
        villages = build_places(county, admin)
        report("households")
        households = build_households(villages, admin, rng)
        report("catalog")
        products = build_catalog(county, villages, households, admin)
        employ_poor_households(county, admin)
        report("pictures")
        build_pictures(county, products, admin)
        build_shipping_rates(county, admin)
        report("stations")
        stations = build_stations(villages, admin)
        buyers = grant_demo_roles(county, stations, admin)
        extra_buyers = [demo_user(f"demo-buyer-{i}", password=None) for i in range(1, 9)]
        report("order history")
        orders = build_station_orders(county, products, buyers + extra_buyers, rng)
        orders += build_assisted_orders(county, stations["桃花村"], products)
        close_a_station_day(county, stations["桃花村"])
        prices = build_reference_prices(county, admin)
        report("orders out of the county")
        parcels = build_orders_out_of_county(county, products, rng)
        report("traced batches")
        traced = build_traced_batches(county=county, products=products, rng=rng)
        report("after-sales")
        seller_staff = get_user_model().objects.get(username="seller")
        aftersales = build_aftersales(county, admin, seller_staff)
        exports = build_crossborder(county, admin)
        programs = build_programs_demo(county, rng, password=DEMO_PASSWORD, progress=report)
        report("household survey")
        surveys = build_surveys_demo(county, admin, rng)
        surveys += "; " + build_analyses_demo(county, admin)
        surveys += "; " + build_county_cpi(county, admin)
        report("sales channels")
        gov832 = build_gov832(county, admin)
        imported = build_channels(county, admin, rng)
        report("province")
        province = build_province(county, admin)
        province += "; " + build_evaluation_demo(county, admin)
        report("village panel")
        province += "; " + _village_panel(county, admin)
    return (
        f"{county.name}: {len(villages)} villages, {len(households)} households, "
        f"{len(products)} products, {orders} past orders to the stations, "
        f"{parcels} parcels out of the county, {traced} traced batches, "
        f"{aftersales} after-sales requests, {imported} orders imported from Taobao, "
        f"{prices} county reference prices; "
        f"{exports}; {gov832}; {len(DEMO_USERNAMES)} accounts ({created} new); {programs}; "
        f"{surveys}; {province}"
    )


def _village_panel(county: County, admin: Any) -> str:
    """The neighbour's villages with their staggered stations and sales, and its village DiD."""
    built = build_village_history(county, admin)
    return f"{built}; {build_village_evaluation_demo(county, admin)}"
