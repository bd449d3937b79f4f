"""The demo county's traced batches: complete histories, labels that resolve, authentic chains;
its cases and pallets."""

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


def test_demo_has_traced_batches_with_complete_histories(demo_county, client, db):
    batches = list(Batch.objects.select_related("product"))
    assert len(batches) == 30
    expected = {
        "planting",
        "fertilising",
        "irrigation",
        "spraying",
        "harvest",
        "inspection",
        "packing",
    }
    for batch in batches:
        assert expected <= set(batch.events.values_list("kind", flat=True))
    assert verify_batches() == (30, [])
    assert BatchShipment.objects.exists()
    assert Batch.objects.filter(events__kind=EventKind.SHIPPING).exists()
    path = lot_uri(batches[0]).split("/", 3)[3]
    html = client.get("/" + path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="authentic"' in html and batches[0].product.name in html
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
