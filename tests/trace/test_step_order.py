"""Steps follow the lot's life: no field step after its harvest, packing or shipping; no step
before the step it needs; nothing in the future; every spraying (imported too) in the interval
check; the steps offered fit the product's category."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from countyhub.catalog.models import Category
from countyhub.gs1 import cbv
from countyhub.gs1.builders import farming_event
from countyhub.gs1.epcis import event_to_jsonld
from countyhub.trace import services
from countyhub.trace.errors import TraceError, TraceErrorCode
from countyhub.trace.exchange import import_document
from countyhub.trace.identifiers import NAMESPACES, VOCABULARY, harvest_lot_uri, plot_uri
from countyhub.trace.models import EventKind
from countyhub.trace.selectors import spray_intervals, trace_page
from tests.trace.conftest import days_ago
from tests.trace.test_trace_page import path_of


def _step(batch, actor, step, details, when, corrects=None):
    return services.record_farming_step(
        actor=actor, batch=batch, step=step, details=details, event_time=when, corrects=corrects
    )


def _refused(call, code=TraceErrorCode.OUT_OF_ORDER):
    with pytest.raises(TraceError) as error:
        call()
    assert error.value.code == code
    assert error.value.field == "event_time" or code != TraceErrorCode.OUT_OF_ORDER
    return str(error.value.message)


def test_no_planting_or_spraying_after_the_lot_was_harvested_packed_and_shipped(
    traced_batch, seller_user
):
    # The seller's report: planting and spraying dated after the shipment were accepted.
    planting = cbv.Planting(crop="猕猴桃")
    spraying = cbv.Spraying(product="吡虫啉", pre_harvest_interval_days=14)
    for step, details in ((cbv.FarmingStep.PLANTING, planting),
                          (cbv.FarmingStep.SPRAYING, spraying)):  # fmt: skip
        with translation.override("en"):
            message = _refused(lambda s=step, d=details: _step(traced_batch, seller_user, s, d,
                                                               days_ago(2)))  # fmt: skip
        assert "cannot come after the harvest of" in message and "inspection" in message
        # Dated after the harvest but before the packing: still after the harvest.
        _refused(lambda s=step, d=details: _step(traced_batch, seller_user, s, d, days_ago(9)))
    assert not traced_batch.events.filter(event_time__gt=days_ago(10), kind="planting").exists()


def test_a_late_entry_dated_before_the_harvest_is_kept_and_checked(traced_batch, seller_user):
    # Recorded late but dated when it happened: it stands, and its interval is checked.
    _step(
        traced_batch,
        seller_user,
        cbv.FarmingStep.SPRAYING,
        cbv.Spraying(product="吡虫啉", pre_harvest_interval_days=14),
        days_ago(15),
    )
    intervals = spray_intervals(list(traced_batch.events.all()))
    assert [(i.product, i.kept) for i in intervals] == [("苦参碱", True), ("吡虫啉", False)]


def test_harvest_before_planting_is_refused(batch, seller_user):
    _step(batch, seller_user, cbv.FarmingStep.PLANTING, cbv.Planting(crop="猕猴桃"), days_ago(30))
    with translation.override("en"):
        message = _refused(
            lambda: services.record_harvest(
                actor=seller_user, batch=batch, quantity_kg=10.0, event_time=days_ago(40)
            )
        )
    assert message.startswith("harvest cannot come before the planting of ")
    services.record_harvest(
        actor=seller_user, batch=batch, quantity_kg=10.0, event_time=days_ago(5)
    )
    # Nor a planting moved after a harvest that needs it, by a correction.
    planting = batch.events.get(kind=EventKind.PLANTING)
    _refused(
        lambda: _step(
            batch, seller_user, cbv.FarmingStep.PLANTING, cbv.Planting(crop="猕猴桃"),
            days_ago(3), corrects=planting,
        )
    )  # fmt: skip
    # A correction that puts it right is accepted.
    _step(
        batch, seller_user, cbv.FarmingStep.PLANTING, cbv.Planting(crop="猕猴桃", variety="贵长"),
        days_ago(31), corrects=planting,
    )  # fmt: skip


def test_no_harvest_after_the_lot_was_packed(traced_batch, seller_user):
    _refused(
        lambda: services.record_harvest(
            actor=seller_user, batch=traced_batch, quantity_kg=10.0, event_time=days_ago(1)
        )
    )


def test_no_event_in_the_future(batch, seller_user):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    _refused(
        lambda: _step(batch, seller_user, cbv.FarmingStep.PLANTING, cbv.Planting(crop="x"),
                      tomorrow),
        code=TraceErrorCode.INVALID_TIME,
    )  # fmt: skip


def test_an_imported_spraying_after_the_harvest_is_in_the_interval_check(
    client, world, traced_batch, seller_user
):
    # Another system's export may hold what this county refuses to record: it is shown as it is.
    event = farming_event(
        cbv.FarmingStep.SPRAYING,
        cbv.Spraying(product="毒死蜱", pre_harvest_interval_days=21),
        subject=harvest_lot_uri(traced_batch),
        event_time=days_ago(3),
        plot=plot_uri(traced_batch),
        vocabulary=VOCABULARY,
    )
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", NAMESPACES],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-01-01T00:00:00Z",
        "epcisBody": {"eventList": [event_to_jsonld(event)]},
    }
    import_document(actor=seller_user, county_id=traced_batch.county_id, document=document)
    page = trace_page(traced_batch)
    late = [i for i in page.spray_intervals if i.product == "毒死蜱"]
    assert len(late) == 1 and late[0].after_harvest and not late[0].kept
    html = client.get("/" + path_of(traced_batch), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="spray-intervals"')[1].split("</ul>")[0]
    assert "毒死蜱" in section and "after the harvest" in section and "not kept" in section


@pytest.fixture
def honey_batch(world, batch):
    Category.objects.filter(pk=batch.product.category_id).update(slug="honey")
    batch.product.category.refresh_from_db()
    return batch


def test_honey_is_not_planted_or_sprayed_but_has_apiary_steps(honey_batch, seller_user):
    for step, details in (
        (cbv.FarmingStep.PLANTING, cbv.Planting(crop="蜂蜜")),
        (cbv.FarmingStep.SPRAYING, cbv.Spraying(product="x", pre_harvest_interval_days=1)),
    ):
        _refused(
            lambda s=step, d=details: _step(honey_batch, seller_user, s, d, days_ago(30)),
            code=TraceErrorCode.STEP_NOT_FOR_PRODUCT,
        )
    _step(honey_batch, seller_user, cbv.FarmingStep.HIVES_PLACED,
          cbv.Activity(description="60 箱蜂放到白云山坡"), days_ago(60))  # fmt: skip
    # A treatment's withdrawal period is checked like a spraying's interval.
    _step(
        honey_batch, seller_user, cbv.FarmingStep.TREATMENT,
        cbv.Treatment(product="氟胺氰菊酯条", withdrawal_days=30), days_ago(40),
    )  # fmt: skip
    with pytest.raises(TraceError) as error, translation.override("en"):
        services.record_harvest(
            actor=seller_user, batch=honey_batch, quantity_kg=80.0, event_time=days_ago(15)
        )
    assert error.value.code == TraceErrorCode.PRE_HARVEST_INTERVAL
    assert "with a withdrawal period of 30 days" in str(error.value.message)
    # Feeding cannot come before the hives were placed.
    _refused(
        lambda: _step(honey_batch, seller_user, cbv.FarmingStep.FEEDING,
                      cbv.Activity(description="糖水"), days_ago(70))
    )  # fmt: skip
    harvest = services.record_harvest(
        actor=seller_user, batch=honey_batch, quantity_kg=80.0, event_time=days_ago(1)
    )
    assert harvest.document["county:step"] == "extraction"
    with translation.override("en"):
        assert [e.label for e in trace_page(honey_batch).entries][-1] == "extraction"
    with translation.override("zh-hans"):
        assert [e.label for e in trace_page(honey_batch).entries][-1] == "摇蜜"


def test_the_back_office_offers_the_products_own_steps(client, world, honey_batch):
    client.force_login(world.users["seller_staff"])
    html = client.get(
        reverse("trace:batch", args=[honey_batch.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    offered = re.findall(r'id="step-([a-z_]+)">([^<]+)<', html)
    assert offered == [
        ("hives_placed", "hives placed"), ("feeding", "feeding"), ("treatment", "treatment"),
        ("harvest", "extraction"), ("inspection", "inspection"), ("packing", "packing"),
    ]  # fmt: skip
    planting = client.get(reverse("trace:record", args=[honey_batch.pk, "planting"]))
    assert planting.status_code == 404
    url = reverse("trace:record", args=[honey_batch.pk, "treatment"])
    when = days_ago(20).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"event_time": when, "product": "草酸", "withdrawal_days": "14",
                                  "dose_unit": "GRM"})  # fmt: skip
    assert response.status_code == 302
    event = honey_batch.events.get(kind=EventKind.TREATMENT)
    assert event.document["bizStep"] == VOCABULARY.biz_step(cbv.FarmingStep.TREATMENT)
    assert event.document["county:withdrawalPeriodDays"] == 14
    # Its correction form comes back with what was recorded.
    form = client.get(url, {"corrects": event.pk}).content.decode()
    assert 'value="草酸"' in form and 'value="14"' in form


def test_the_county_publishes_its_step_vocabulary(client):
    response = client.get(reverse("trace:vocabulary"))
    assert response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert document["@id"] == VOCABULARY.namespace
    honey = document["county:categories"]["honey"]
    assert [step["name"] for step in honey] == [
        "hives placed", "feeding", "treatment", "extraction",
    ]  # fmt: skip
    assert honey[-1]["bizStep"] == "commissioning"
    terms = {term["@id"]: term for term in document["@graph"]}
    labels = terms[VOCABULARY.biz_step(cbv.FarmingStep.HIVES_PLACED)]["rdfs:label"]
    assert {"@value": "放蜂", "@language": "zh-Hans"} in labels
    tea = [step["name"] for step in document["county:categories"]["tea"]]
    assert "plucking" in tea and "processing" in tea and "spraying" in tea
