"""The demo county's traced batches: complete histories, labels that resolve, authentic chains;
its cases and pallets."""

from countyhub.gs1 import farming
from countyhub.trace.identifiers import lot_uri
from countyhub.trace.models import (
    Batch,
    BatchShipment,
    Container,
    ContainerLevel,
    EventKind,
    TraceEvent,
)
from countyhub.trace.verification import verify_batches

FIELD_KINDS = {step.value for step in farming.cbv.FarmingStep}


def test_demo_has_traced_batches_with_complete_histories(demo_county, client, db):
    batches = list(Batch.objects.select_related("product__category"))
    assert len(batches) == 30
    for batch in batches:
        kinds = set(batch.events.values_list("kind", flat=True))
        assert {"harvest", "inspection", "packing"} <= kinds
        offered = {step.code for step in farming.steps_for(batch.product.category.slug)}
        assert kinds & FIELD_KINDS <= offered, batch.product.name  # only its own steps
    assert verify_batches() == (30, [])
    assert BatchShipment.objects.exists()
    assert Batch.objects.filter(events__kind=EventKind.SHIPPING).exists()
    path = lot_uri(batches[0]).split("/", 3)[3]
    html = client.get("/" + path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="authentic"' in html and batches[0].product.name_en in html
    assert "<polyline" in html  # plot and packhouse: a route


def test_demo_packs_cases_onto_pallets(demo_county, client, db):
    pallets = Container.objects.filter(level=ContainerLevel.PALLET).order_by("pk")
    closed, received = pallets
    assert closed.is_open and closed.children.count() == 3
    assert not received.is_open and received.children.count() == 0
    assert TraceEvent.objects.filter(kind=EventKind.PALLETISING).count() == 4  # 3 + 1 batches
    assert TraceEvent.objects.filter(kind=EventKind.UNPACKING).count() == 1
    assert verify_batches()[1] == []
    html = client.get(f"/00/{closed.sscc}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for case in closed.children.all():
        assert case.sscc in html


def _history(name):
    batch = Batch.objects.get(product__name=name)
    return [row.kind for row in batch.events.order_by("event_time", "sequence")]


def test_demo_histories_differ_by_product_type(demo_county, client, db):
    # On main every lot, honey included, had the same planting-to-packing template.
    apples = _history("青山红富士苹果")
    # The field steps up to the harvest; inspection and shipping follow in the order they fell.
    assert apples[:5] == ["planting", "fertilising", "irrigation", "spraying", "harvest"]
    assert "inspection" in apples[5:]
    honey = _history("百花土蜂蜜")
    assert honey[:4] == ["hives_placed", "feeding", "treatment", "harvest"]
    assert {"inspection", "packing"} <= set(honey[4:])
    assert "processing" in _history("明前云雾绿茶") and "planting" not in _history("明前云雾绿茶")
    assert _history("干香菇")[:3] == ["inoculation", "fruiting", "harvest"]
    assert _history("竹编果篮")[:2] == ["making", "harvest"]
    assert len({tuple(_history(b.product.name)[:4]) for b in Batch.objects.all()}) >= 6
    honey_batch = Batch.objects.get(product__name="百花土蜂蜜")
    html = client.get(
        "/" + lot_uri(honey_batch).split("/", 3)[3], HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    timeline = html.split('id="timeline"')[1].split("</ol>")[0]
    assert "Hives placed" in timeline and "Extraction" in timeline and "Planting" not in timeline
    intervals = html.split('id="spray-intervals"')[1].split("</ul>")[0]
    assert "草酸（防治蜂螨）" in intervals and "kept" in intervals
    assert "GB 14963-2011" in html
