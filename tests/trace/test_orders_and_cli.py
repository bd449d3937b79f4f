"""Orders record the batches they ship from (first-expiring first); recall and verify CLIs."""

import datetime
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from countyhub.cli import app
from countyhub.shop import services as shop
from countyhub.shop.models import DeliveryMethod, PaymentMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout
from countyhub.trace.models import Batch, BatchShipment, EventKind, TraceEvent
from tests.factories.trace import make_batch


def place(world, quantity):
    result = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, quantity)],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk),
        payment_method=PaymentMethod.CASH_ON_DELIVERY,
    )
    return result.orders[0]


@pytest.fixture
def batches(world):
    seller = world.users["seller_staff"]
    late = make_batch(
        seller, world.product, lot="LATE", quantity="10", expiry_date=datetime.date(2027, 6, 1)
    )
    early = make_batch(
        seller, world.product, lot="EARLY", quantity="3", expiry_date=datetime.date(2027, 2, 1)
    )
    return early, late


def test_packing_takes_first_expiring_batches(world, batches):
    early, late = batches
    order = place(world, "5")
    shop.pack_order(order=order, actor=world.users["seller_staff"])
    taken = {s.batch.lot: s.quantity for s in BatchShipment.objects.filter(order=order)}
    assert taken == {"EARLY": Decimal(3), "LATE": Decimal(2)}
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.shipped_quantity, late.shipped_quantity) == (3, 2)
    shipping = TraceEvent.objects.filter(kind=EventKind.SHIPPING, batch=late).get()
    assert shipping.document["bizTransactionList"][0]["bizTransaction"].endswith(order.number)
    # Shipping a packed order does not take the batches twice.
    shop.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="Y1"
    )
    assert BatchShipment.objects.filter(order=order).count() == 2


def test_more_than_traced_stock_stays_partly_untraced(world, batches):
    order = place(world, "15")
    shop.pack_order(order=order, actor=world.users["seller_staff"])
    assert sum(s.quantity for s in BatchShipment.objects.filter(order=order)) == 13
    shipped = dict(Batch.objects.values_list("lot", "shipped_quantity"))
    assert shipped == {"EARLY": Decimal(3), "LATE": Decimal(10)}


def test_recall_lists_every_order_of_a_batch(world, batches):
    first, second = place(world, "2"), place(world, "2")
    for order in (first, second):
        shop.pack_order(order=order, actor=world.users["seller_staff"])
    runner = CliRunner()
    result = runner.invoke(app, ["trace", "recall", "EARLY", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["order"], r["quantity"]) for r in rows] == [
        (first.number, "2"),
        (second.number, "1"),
    ]
    assert rows[0]["destination"] == world.station.name
    table = runner.invoke(app, ["trace", "recall", "LATE"])
    assert second.number in table.stdout
    missing = runner.invoke(app, ["trace", "recall", "NOPE"])
    assert missing.exit_code == 1 and "no batch" in missing.stderr


def test_recall_page_lists_orders(client, world, batches):
    order = place(world, "2")
    shop.pack_order(order=order, actor=world.users["seller_staff"])
    client.force_login(world.users["seller_staff"])
    html = client.get("/trace/recall/", {"lot": "EARLY"}).content.decode()
    assert order.number in html


def test_verify_names_the_tampered_event(world, traced_batch, events_open_to_tampering):
    runner = CliRunner()
    ok = runner.invoke(app, ["trace", "verify", "--county", world.county.slug])
    assert ok.exit_code == 0, ok.output
    assert "1 batches checked, 0 with tampered events" in ok.stdout
    packing = traced_batch.events.get(kind=EventKind.PACKING)
    output = {**packing.document["outputQuantityList"][0], "quantity": 999}
    TraceEvent.objects.filter(pk=packing.pk).update(
        document={**packing.document, "outputQuantityList": [output]}
    )
    bad = runner.invoke(app, ["trace", "verify"])
    assert bad.exit_code == 1
    assert f"event {packing.sequence} {packing.event_id}" in bad.stdout
    assert "1 with tampered events" in bad.stdout
    unknown = runner.invoke(app, ["trace", "verify", "--county", "nowhere"])
    assert unknown.exit_code == 2 and "--county" in unknown.stderr
