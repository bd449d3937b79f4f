import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from countyhub.gs1 import cbv
from countyhub.trace import services
from countyhub.trace.selectors import export_document
from tests.factories.trace import make_batch


def days_ago(days, hour=9):
    moment = timezone.localtime() - datetime.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def record_history(batch, actor):
    """Planting, fertilising, spraying, harvest, inspection, packing: a complete history."""
    services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.PLANTING,
        details=cbv.Planting(crop="猕猴桃", variety="贵长", area_mu=12.5),
        event_time=days_ago(200),
    )
    services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.FERTILISING,
        details=cbv.Fertilising(product="有机肥", dose=150.0, dose_unit="KGM", per_area_mu=1.0),
        event_time=days_ago(120),
    )
    services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.SPRAYING,
        details=cbv.Spraying(product="苦参碱", pre_harvest_interval_days=10),
        event_time=days_ago(40),
    )
    services.record_harvest(actor=actor, batch=batch, quantity_kg=120.0, event_time=days_ago(10))
    services.record_inspection(
        actor=actor,
        batch=batch,
        documents=[
            cbv.AttachedDocument(
                kind="lab_report",
                uri="urn:countyhub:lab-report:2026-0042",
                result=cbv.DocumentResult.PASS,
                issuer="县农产品质量检测站",
                title="农药残留检测",
            )
        ],
        event_time=days_ago(9),
    )
    services.record_packing(
        actor=actor,
        batch=batch,
        packed_quantity=batch.quantity,
        harvest_used_kg=Decimal("120"),
        event_time=days_ago(8),
    )
    return batch


@pytest.fixture
def seller_user(world):
    return world.users["seller_staff"]


@pytest.fixture
def batch(world, seller_user):
    return make_batch(seller_user, world.product)


@pytest.fixture
def traced_batch(batch, seller_user):
    return record_history(batch, seller_user)


@pytest.fixture
def documents(world, traced_batch, seller_user):
    """A good document (the traced batch's history, told of a second batch with no events yet)
    and a bad one (the same with two events broken)."""
    fresh = make_batch(seller_user, world.product, lot="L2026-02")
    text = json.dumps(export_document(list(traced_batch.events.order_by("sequence"))))
    good = json.loads(text.replace(traced_batch.lot, fresh.lot))
    for event in good["epcisBody"]["eventList"]:
        event.pop("eventID", None)
    bad = json.loads(json.dumps(good))
    bad["epcisBody"]["eventList"][1]["bizStep"] = "harvesting"  # not CBV
    del bad["epcisBody"]["eventList"][3]["eventTimeZoneOffset"]
    return fresh, good, bad


@pytest.fixture
def events_open_to_tampering():
    """Tests of what the trace page shows when someone edits events in the database: on
    PostgreSQL only the database's owner can, by switching off the trigger that keeps events
    for good (the Batch.version triggers stay on); SQLite has no such trigger."""
    from django.db import connection

    def switch(state: str) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # ALTER TABLE waits for no deferred foreign-key check of the rows just written.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    f"ALTER TABLE trace_traceevent {state} TRIGGER trace_traceevent_kept_for_good"
                )
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    switch("DISABLE")
    yield
    switch("ENABLE")
