"""The demo county's cases and pallets: labels that resolve, chains that still verify."""

from countyhub.demo import build_demo
from countyhub.trace.models import Container, ContainerLevel, EventKind, TraceEvent
from countyhub.trace.verification import verify_batches


def test_demo_packs_cases_onto_pallets(client, db):
    build_demo()
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
