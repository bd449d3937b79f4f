"""Traced batches for the demo county: every product gets a lot with a complete history (planting
to packing), recent orders record the batches they shipped from, a few scans are counted, and
some lots go into cases and onto pallets."""

from __future__ import annotations

import datetime
import math
import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from countyhub.demo import data
from countyhub.gs1 import cbv, coldchain
from countyhub.shop.models import Order
from countyhub.stations.models import Station
from countyhub.trace import services
from countyhub.trace.models import Batch, TraceProfile


def _at(days_ago: int, hour: int) -> datetime.datetime:
    moment = timezone.localtime() - datetime.timedelta(days=days_ago)
    return moment.replace(hour=hour, minute=30, second=0, microsecond=0)


def _history(batch: Batch, actor: Any, rng: random.Random) -> None:
    crop = batch.product.name
    services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.PLANTING,
        details=cbv.Planting(crop=crop, area_mu=round(rng.uniform(3, 30), 1)),
        event_time=_at(160, 8),
    )
    services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.FERTILISING,
        details=cbv.Fertilising(product="腐熟农家肥", dose=200.0, dose_unit="KGM", per_area_mu=1.0),
        event_time=_at(120, 7),
    )
    services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.IRRIGATION,
        details=cbv.Irrigation(volume_m3=round(rng.uniform(10, 60), 1), method="drip"),
        event_time=_at(90, 6),
    )
    services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.SPRAYING,
        details=cbv.Spraying(
            product="苦参碱水剂", pre_harvest_interval_days=10, dose=0.3, dose_unit="LTR"
        ),
        event_time=_at(60, 7),
    )
    weight = float(batch.quantity) * (5.0 if batch.unit != "kg" else 1.0)
    services.record_harvest(actor=actor, batch=batch, quantity_kg=weight, event_time=_at(40, 9))
    today = timezone.localdate()
    documents = [
        cbv.AttachedDocument(
            kind="lab_report",
            uri=f"urn:countyhub:lab-report:{batch.county_id}:QS-{batch.lot}",
            result=cbv.DocumentResult.PASS,
            issuer="青山县农产品质量安全检测站",
            title="农药残留快速检测",
        ),
        *(
            cbv.AttachedDocument(
                kind="certificate",
                uri=f"urn:countyhub:certificate:{c.kind}:{c.number}",
                result=cbv.DocumentResult.PASS,
                issuer=c.issuer,
                title=str(c.get_kind_display()),
            )
            for c in batch.product.certifications.all()
            if c.is_valid_on(today)
        ),
    ]
    services.record_inspection(
        actor=actor, batch=batch, documents=documents, event_time=_at(39, 10)
    )
    services.record_packing(
        actor=actor,
        batch=batch,
        packed_quantity=batch.quantity,
        harvest_used_kg=Decimal(str(weight)),
        event_time=_at(38, 14),
        packhouse=data.PACKHOUSE[0],
        packhouse_position=data.PACKHOUSE[1],
    )


def _cold_chain_trip(batch: Batch, actor: Any, rng: random.Random, *, logger: str) -> None:
    """A day and a half in the cold truck to the city warehouse, read every 10 minutes."""
    start = _at(38, 18)
    readings = [
        coldchain.Reading(
            start + datetime.timedelta(minutes=10 * i),
            round(4.0 + 1.2 * math.sin(i / 9) + rng.uniform(-0.4, 0.4), 1),
        )
        for i in range(216)
    ]
    services.record_cold_chain(
        actor=actor,
        batch=batch,
        logger=logger,
        readings=readings,
        required_min=0.0,
        required_max=8.0,
    )


def build_traced_batches(*, county: Any, products: list[Any], rng: random.Random) -> int:
    """One traced lot per product, then the last month's orders take from them (FEFO)."""
    TraceProfile.objects.get_or_create(
        county=county, defaults={"division_code": data.DIVISION_CODE}
    )
    actor = get_user_model().objects.get(username="admin")
    batches = []
    for index, product in enumerate(products):
        harvest = _at(40, 9).date()
        batch = services.create_batch(
            actor=actor,
            product=product,
            lot=f"QS{harvest:%y%m%d}{index + 1:02d}",
            quantity=Decimal(300 if product.unit == "kg" else 120),
            plot=f"{product.seller.village.name}{rng.randint(1, 12)}号地",
            production_date=harvest,
            expiry_date=harvest + datetime.timedelta(days=180),
            latitude=data.CENTRE[0] + Decimal(rng.randint(-300, 300)) / 10000,
            longitude=data.CENTRE[1] + Decimal(rng.randint(-300, 300)) / 10000,
            serial_count=5 if index == 0 else 0,
        )
        _history(batch, actor, rng)
        if index < 3:
            _cold_chain_trip(batch, actor, rng, logger=f"TL-{index + 1:04d}")
        batches.append(batch)
    since = timezone.now() - datetime.timedelta(days=30)
    recent = Order.objects.filter(county=county, placed_at__gte=since).order_by("placed_at")
    for order in recent[:40]:
        services.record_order_batches(
            order=order, actor=actor, event_time=order.placed_at + datetime.timedelta(hours=20)
        )
    for batch in batches[:4]:
        for _ in range(rng.randint(3, 25)):
            services.record_scan(batch_id=batch.pk)
    _pack(batches, actor)
    return len(batches)


def _pack(batches: list[Batch], actor: Any) -> None:
    """The packhouse packs serialised units and lots of several producers into cases, puts three
    cases on a pallet for the county's village stations, and one pallet was already received
    and unpacked at a station, so the trace pages show cases and pallets."""
    units = list(batches[0].units.order_by("pk")[:3])
    cases = [services.pack_case(actor=actor, units=units, event_time=_at(37, 9))]
    for batch, quantity in ((batches[1], 20), (batches[2], 15), (batches[3], 10)):
        cases.append(
            services.pack_case(
                actor=actor,
                lots=[services.LotQuantity(batch, Decimal(quantity))],
                event_time=_at(37, 10),
            )
        )
    services.pack_pallet(actor=actor, cases=cases[:3], event_time=_at(37, 15))
    received = services.pack_pallet(actor=actor, cases=cases[3:], event_time=_at(37, 16))
    # The 桃花村 station's operator (demo user "station") takes it in and hands the goods out.
    operator = get_user_model().objects.get(username="station")
    station = Station.objects.get(county_id=received.county_id, village__name="桃花村")
    services.receive_at_station(
        actor=operator, container=received, station=station, event_time=_at(36, 9)
    )
    services.unpack(actor=operator, container=received, event_time=_at(36, 10))
