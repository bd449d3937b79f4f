"""The demo county's traced batches: complete histories, labels that resolve, authentic chains."""

from countyhub.demo import build_demo
from countyhub.trace.identifiers import lot_uri
from countyhub.trace.models import Batch, BatchShipment, EventKind
from countyhub.trace.verification import verify_batches


def test_demo_has_traced_batches_with_complete_histories(client, db):
    build_demo()
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
