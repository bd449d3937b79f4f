"""Pre-harvest intervals (安全间隔期): no harvest recorded too soon after spraying, and the
public page says whether each interval was kept."""

import datetime
from dataclasses import replace

import pytest
from django.db import transaction

from countyhub.gs1 import cbv
from countyhub.gs1.builders import harvest_event
from countyhub.gs1.epcis import event_from_jsonld
from countyhub.trace import services
from countyhub.trace.errors import TraceError
from countyhub.trace.identifiers import harvest_lot_uri
from countyhub.trace.models import EventKind
from tests.trace.conftest import days_ago
from tests.trace.test_trace_page import path_of


def _spray(batch, actor, when, days=14, product="吡虫啉"):
    return services.record_farming_step(
        actor=actor,
        batch=batch,
        step=cbv.FarmingStep.SPRAYING,
        details=cbv.Spraying(product=product, pre_harvest_interval_days=days),
        event_time=when,
    )


def _harvest(batch, actor, when, **extra):
    return services.record_harvest(
        actor=actor, batch=batch, quantity_kg=50.0, event_time=when, **extra
    )


def test_harvest_within_the_interval_is_refused_naming_the_safe_day(batch, seller_user):
    _spray(batch, seller_user, days_ago(20), days=7, product="苦参碱")
    _spray(batch, seller_user, days_ago(10), days=14)
    with pytest.raises(TraceError) as error:
        _harvest(batch, seller_user, days_ago(1))
    safe = days_ago(10).date() + datetime.timedelta(days=14)
    assert error.value.field == "event_time"
    assert "吡虫啉" in error.value.message and "14" in error.value.message
    assert safe.isoformat() in error.value.message
    assert not batch.events.filter(kind=EventKind.HARVEST).exists()


def test_harvest_on_the_safe_day_is_recorded(batch, seller_user):
    _spray(batch, seller_user, days_ago(20), days=14)
    _harvest(batch, seller_user, days_ago(6))
    assert batch.events.filter(kind=EventKind.HARVEST).count() == 1


def test_a_corrected_spraying_counts_as_corrected(batch, seller_user):
    wrong = _spray(batch, seller_user, days_ago(20), days=30)
    with pytest.raises(TraceError):
        _harvest(batch, seller_user, days_ago(5))
    corrected = event_from_jsonld(wrong.document)
    corrected = replace(
        corrected,
        event_id=None,
        extensions={**corrected.extensions, "county:preHarvestIntervalDays": 7},
    )
    services.correct_event(actor=seller_user, erroneous=wrong, corrective=corrected)
    _harvest(batch, seller_user, days_ago(5))


def test_trace_page_says_each_interval_was_kept(client, traced_batch):
    html = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="spray-intervals"')[1].split("</ul>")[0]
    assert "苦参碱" in section and "harvested 30 days later (at least 10)" in section
    assert 'class="pass"' in section and 'class="fail"' not in section


def test_trace_page_flags_an_imported_harvest_that_came_too_soon(client, batch, seller_user):
    _spray(batch, seller_user, days_ago(5), days=14)
    # As an import or a processor's system would deliver it: no interval check on the way in.
    early = harvest_event(
        lot_uri=harvest_lot_uri(batch), quantity_kg=40.0, event_time=days_ago(2), farm="urn:x:farm"
    )
    with transaction.atomic():
        services.append_events(
            batch=batch,
            items=[services.NewEvent(EventKind.HARVEST, early)],
            actor=seller_user,
        )
    html = client.get("/" + path_of(batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="spray-intervals"')[1].split("</ul>")[0]
    assert "harvested 3 days later (at least 14)" in section and 'class="fail"' in section
