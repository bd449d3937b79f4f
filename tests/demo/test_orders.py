"""The demo's two years of orders went through the shop's services, as real checkouts do: every
order has its events, audit entries, payment and shipment at the moments they happened, and the
stock adds up."""

from collections import Counter, defaultdict
from decimal import Decimal

from countyhub.aftersales.models import AfterSaleLine
from countyhub.catalog.models import Stock
from countyhub.core.models import AuditEntry
from countyhub.demo import data
from countyhub.shop.models import (
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Shipment,
)

S = OrderStatus
CASH_PATH = [S.PLACED, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED]
BANK_PATH = [S.PLACED, S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED, S.COMPLETED]


def test_every_past_order_has_the_events_and_audit_entries_of_a_real_checkout(demo_county, db):
    orders = list(Order.objects.filter(county=demo_county).select_related("payment"))
    assert len(orders) > 1000
    events = defaultdict(list)
    # Status changes only: after-sales steps and refunds of some lines are events of their own.
    transitions = OrderEvent.objects.filter(kind="").order_by("created_at", "pk")
    for order_id, status, created_at in transitions.values_list(
        "order_id", "to_status", "created_at"
    ):
        events[order_id].append((status, created_at))
    audited = defaultdict(dict)
    for object_id, action, created_at in AuditEntry.objects.filter(
        object_type="shop.order"
    ).values_list("object_id", "action", "created_at"):
        audited[int(object_id)][action] = created_at
    shipped = set(Shipment.objects.values_list("order_id", flat=True))
    for order in orders:
        path = BANK_PATH if order.payment_method == PaymentMethod.BANK_TRANSFER else CASH_PATH
        if order.status == S.REFUNDED:
            path = [*path, S.REFUNDED]
        assert [status for status, _at in events[order.pk]] == path, order.number
        moments = [at for _status, at in events[order.pk]]
        assert moments[0] == order.placed_at and moments == sorted(set(moments)), order.number
        # Each step's audit entry was written when the step happened, not when the demo ran.
        assert audited[order.pk] == {f"order.{status}": at for status, at in events[order.pk]} | (
            {"order.placed_for_villager": order.placed_at} if order.placed_for_name else {}
        )
        assert order.pk in shipped
        expected_payment = PaymentStatus.REFUNDED if order.status == S.REFUNDED else "received"
        assert order.payment.status == expected_payment and order.payment.received_at
    assert Counter(o.status for o in orders) == {S.COMPLETED: len(orders) - 2, S.REFUNDED: 2}


def test_the_stock_adds_up_and_history_sells_nothing_out(demo_county, db):
    """Stock put on (created, then restocked monthly) minus goods shipped plus goods returned
    is the stock left, and the sellers restocked what they sold: the table's stock is left."""
    put_on = Counter()
    for object_id, action, changes in AuditEntry.objects.filter(
        object_type="catalog.product", action__in=["product.created", "product.updated"]
    ).values_list("object_id", "action", "changes"):
        if action == "product.created":
            put_on[int(object_id)] += Decimal(changes["stock"])
        elif "stock" in changes:
            before, after = changes["stock"]
            put_on[int(object_id)] += Decimal(after) - Decimal(before)
    shipped, returned = Counter(), Counter()
    for product_id, quantity, status in OrderLine.objects.filter(
        order__shipment__isnull=False
    ).values_list("product_id", "quantity", "order__status"):
        shipped[product_id] += quantity
        if status == S.REFUNDED:
            returned[product_id] += quantity
    # After-sales returns the seller received went back on the shelf.
    received = AuditEntry.objects.filter(action="aftersale.return_received").values("object_id")
    for product_id, quantity in AfterSaleLine.objects.filter(
        request_id__in=[int(row["object_id"]) for row in received]
    ).values_list("order_line__product_id", "quantity"):
        returned[product_id] += quantity
    stocks = Stock.objects.filter(product__county=demo_county).select_related("product")
    assert len(stocks) == len(data.PRODUCTS) and sum(returned.values()) > 0
    table = {row[0]: Decimal(row[-1]) for row in data.PRODUCTS}
    for stock in stocks:
        product_id = stock.product_id
        assert stock.quantity == put_on[product_id] - shipped[product_id] + returned[product_id]
        assert stock.allocated == 0
        assert stock.quantity == table[stock.product.name] + returned[product_id]
        assert shipped[product_id] > 0


def test_the_demo_station_has_orders_for_villagers(demo_county, db, client):
    orders = Order.objects.exclude(placed_for_name="")
    assert orders.count() >= 3
    assert {o.buyer.username for o in orders} == {"station"}
    assert {o.station.name for o in orders} == {"桃花村"}
    assert orders.filter(placed_for_household__isnull=False).exists()
    client.force_login(orders.first().buyer)
    assert orders.first().placed_for_name in client.get("/station/").content.decode()
