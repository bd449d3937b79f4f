"""Traced batches for the demo county: every product gets a lot with the history its kind of
product has (an apple is planted and sprayed, honey extracted from hives, a basket made), recent
orders record the batches they shipped from, a few scans are counted, and some lots go into cases
and onto pallets."""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from countyhub.demo import data
from countyhub.gs1 import cbv, coldchain, farming
from countyhub.shop.models import Order
from countyhub.stations.models import Station
from countyhub.trace import services
from countyhub.trace.models import Batch, TraceProfile


def _at(days_ago: int, hour: int) -> datetime.datetime:
    moment = timezone.localtime() - datetime.timedelta(days=days_ago)
    return moment.replace(hour=hour, minute=30, second=0, microsecond=0)


# The crop a product comes from, where its name is not the crop's.
CROPS = {"小磨香油": "芝麻", "农家菜籽油": "油菜", "富硒大米": "水稻", "富硒糙米": "水稻",
         "小米": "谷子", "苹果脆片": "苹果"}  # fmt: skip
# The standard each kind of product is tested against.
STANDARDS = {
    "honey": ("GB 14963-2011", "蜂蜜理化与兽药残留检测"),
    "livestock": ("GB 31650-2019", "兽药残留检测"),
    "handicraft": ("县手工艺品质量规范 2024", "外观与做工检验"),
}
DEFAULT_STANDARD = ("GB 2763-2021", "农药残留检测")


def _step(batch: Batch, actor: Any, step: cbv.FarmingStep, details: Any, when: Any) -> None:
    services.record_farming_step(
        actor=actor, batch=batch, step=step, details=details, event_time=when
    )


def _crop_steps(batch: Batch, actor: Any, draws: Draws, *, grain: bool) -> None:
    crop = CROPS.get(batch.product.name, batch.product.name)
    _step(
        batch,
        actor,
        cbv.FarmingStep.PLANTING,
        cbv.Planting(crop=crop, area_mu=draws.area),
        _at(160, 8),
    )
    _step(
        batch,
        actor,
        cbv.FarmingStep.FERTILISING,
        cbv.Fertilising(product="腐熟农家肥", dose=200.0, dose_unit="KGM", per_area_mu=1.0),
        _at(120, 7),
    )
    _step(
        batch,
        actor,
        cbv.FarmingStep.IRRIGATION,
        cbv.Irrigation(volume_m3=draws.water, method="flood" if grain else "drip"),
        _at(90, 6),
    )
    spray = (
        cbv.Spraying(product="井冈霉素", pre_harvest_interval_days=14, dose=0.2, dose_unit="LTR")
        if grain
        else cbv.Spraying(
            product="苦参碱水剂", pre_harvest_interval_days=10, dose=0.3, dose_unit="LTR"
        )
    )
    _step(batch, actor, cbv.FarmingStep.SPRAYING, spray, _at(60, 7))  # fmt: skip


def _tea_steps(batch: Batch, actor: Any, draws: Draws) -> None:
    # The tea bushes were planted years ago; this lot's record starts with the season's care.
    _step(
        batch,
        actor,
        cbv.FarmingStep.FERTILISING,
        cbv.Fertilising(product="菜籽饼肥", dose=150.0, dose_unit="KGM", per_area_mu=1.0),
        _at(100, 7),
    )
    _step(batch, actor, cbv.FarmingStep.SPRAYING,
          cbv.Spraying(product="印楝素", pre_harvest_interval_days=7, dose=0.1, dose_unit="LTR"),
          _at(55, 7))  # fmt: skip


def _honey_steps(batch: Batch, actor: Any, draws: Draws) -> None:
    hives = round(draws.area * 3)
    _step(
        batch,
        actor,
        cbv.FarmingStep.HIVES_PLACED,
        cbv.Activity(description=f"{hives} 箱中蜂放到{batch.plot}", material="中华蜜蜂"),
        _at(75, 8),
    )
    _step(
        batch,
        actor,
        cbv.FarmingStep.FEEDING,
        cbv.Activity(description="流蜜期前奖励饲喂", material="白糖水 1:1"),
        _at(70, 17),
    )
    _step(batch, actor, cbv.FarmingStep.TREATMENT,
          cbv.Treatment(product="草酸（防治蜂螨）", withdrawal_days=14, dose=3.0,
                        dose_unit="GRM"), _at(65, 18))  # fmt: skip


def _mushroom_steps(batch: Batch, actor: Any, draws: Draws) -> None:
    if not any(mark in batch.product.name for mark in ("香菇", "木耳")):
        return  # wild mushrooms, nuts and dried dates: only picked
    _step(
        batch,
        actor,
        cbv.FarmingStep.INOCULATION,
        cbv.Activity(
            description=f"{round(draws.water * 100)} 根菌棒接种",
            material="香菇菌种 808" if "香菇" in batch.product.name else "黑木耳菌种",
        ),
        _at(130, 9),
    )
    _step(batch, actor, cbv.FarmingStep.FRUITING,
          cbv.Activity(description="出菇期林下遮阴、喷水保湿"), _at(60, 8))  # fmt: skip


def _livestock_steps(batch: Batch, actor: Any, draws: Draws) -> None:
    _step(
        batch,
        actor,
        cbv.FarmingStep.FEEDING,
        cbv.Activity(description="林下散养，补饲", material="玉米、麸皮"),
        _at(90, 7),
    )
    _step(batch, actor, cbv.FarmingStep.TREATMENT,
          cbv.Treatment(product="板蓝根散", withdrawal_days=7), _at(70, 8))  # fmt: skip


def _handicraft_steps(batch: Batch, actor: Any, draws: Draws) -> None:
    material = "棉布、麻线" if "布鞋" in batch.product.name else "本地竹子、稻草"
    _step(
        batch,
        actor,
        cbv.FarmingStep.MAKING,
        cbv.Activity(description="农闲时在家手工制作", material=material),
        _at(60, 9),
    )


@dataclass(frozen=True)
class Draws:
    """The two random values every lot's history draws (as it did when every lot had the
    planting-to-packing history), so the demo's later parts see the same random sequence."""

    area: float  # mu
    water: float  # m³


def _history(batch: Batch, actor: Any, rng: random.Random) -> None:
    """The lot's life as its kind of product lives it (farming.VOCABULARIES): a fruit is planted
    and sprayed, honey comes from hives placed, fed, treated and extracted, a basket is made."""
    draws = Draws(area=round(rng.uniform(3, 30), 1), water=round(rng.uniform(10, 60), 1))
    kind = farming.vocabulary_of(batch.product.category.slug)
    if kind in ("fruit", "grain"):
        _crop_steps(batch, actor, draws, grain=kind == "grain")
    else:
        steps = {"tea": _tea_steps, "honey": _honey_steps, "mushroom": _mushroom_steps,
                 "livestock": _livestock_steps, "handicraft": _handicraft_steps}  # fmt: skip
        steps[kind](batch, actor, draws)
    weight = float(batch.quantity) * (5.0 if batch.unit != "kg" else 1.0)
    services.record_harvest(actor=actor, batch=batch, quantity_kg=weight, event_time=_at(40, 9))
    if kind == "tea":
        _step(batch, actor, cbv.FarmingStep.PROCESSING,
              cbv.Activity(description="摊青、杀青、揉捻、烘干", material="滚筒杀青机"),
              _at(40, 15))  # fmt: skip
    standard, test = STANDARDS.get(kind, DEFAULT_STANDARD)
    today = timezone.localdate()
    documents = [
        cbv.AttachedDocument(
            kind="lab_report",
            uri=f"urn:countyhub:lab-report:{batch.county_id}:QS-{batch.lot}",
            result=cbv.DocumentResult.PASS,
            issuer="青山县农产品质量安全检测站",
            title=test,
            standard=standard,
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
