"""The records an order import writes, field by field, as the per-order path wrote them: sales
figures, trace recall, payouts and KPIs read these rows, so the chunked import must write the
same. GOLDEN was taken from the old path; keys are replaced by their rank among the import's
rows (or the world's name for them), times by seconds after the import's time."""

import io
from decimal import Decimal

from countyhub.catalog.models import Stock
from countyhub.channels.models import ChannelOrder
from countyhub.channels.services import import_order_file
from countyhub.core.local_time import local_date
from countyhub.core.models import AuditEntry
from countyhub.shop.models import Checkout, Order, OrderEvent, OrderLine, Payment

HEADER = ["订单编号", "买家会员名", "商家编码", "购买数量", "价格", "收货人姓名", "收货地址"]
# Two rows of one order apart from each other, a price from the file and one from the listing.
ROWS = [
    ["3712456789012345678", "tb1", "A-1", "2", "", "张三", "江苏省 南京市 ****"],
    ["3712456789012345679", "tb2", "B-1", "1", "30.50", "李四", "贵州省 ****"],
    ["3712456789012345680", "tb3", "A-1", "1", "", "", ""],
    ["3712456789012345679", "tb2", "B-1", "2", "30.50", "李四", "贵州省 ****"],
]
ORDER_FIELDS = (
    "status",
    "delivery_method",
    "recipient_name",
    "phone",
    "address",
    "payment_method",
    "total",
    "currency",
    "fx_rate",
    "fx_source",
    "fx_date",
    "refunded_total",
    "shipping_fee",
    "station_id",
    "pickup_code",
)


def _records(world, channel, user):
    links = list(ChannelOrder.objects.filter(channel=channel).order_by("external_id"))
    rank = {link.order_id: n for n, link in enumerate(links)}
    at = links[0].imported_at
    counties = {world.county.pk: "county"}
    sellers = {world.seller.pk: "seller"}
    products = {world.product.pk: "A", world.other_product.pk: "B"}
    product_names = {world.product.name: "name of A", world.other_product.name: "name of B"}
    users = {user.pk: "actor", channel.account_id: "account", None: None}

    def when(value):
        return None if value is None else (value - at).total_seconds()

    orders = sorted(Order.objects.filter(pk__in=rank), key=lambda order: rank[order.pk])
    checkouts = Checkout.objects.in_bulk([order.checkout_id for order in orders])
    return {
        "orders": [
            {
                "rank": rank[order.pk],
                # The county's day (not UTC's), the checkout's key (six digits at least), the
                # seller's part.
                "number": order.number.split("-")[0] == f"{local_date(at, world.county):%Y%m%d}"
                and order.number.split("-")[1:] == [f"{order.checkout_id:06d}", "1"],
                "county": counties[order.county_id],
                "seller": sellers[order.seller_id],
                "buyer": users[order.buyer_id],
                "checkout": (
                    counties[checkouts[order.checkout_id].county_id],
                    users[checkouts[order.checkout_id].buyer_id],
                    checkouts[order.checkout_id].idempotency_key,
                    checkouts[order.checkout_id].request_fingerprint[:12],
                ),
                **{name: getattr(order, name) for name in ORDER_FIELDS},
                "placed_at": when(order.placed_at),
            }
            for order in orders
        ],
        "lines": sorted(
            (
                rank[line.order_id],
                products[line.product_id],
                product_names[line.product_name],
                line.unit,
                line.quantity,
                line.unit_price,
                line.line_total,
            )
            for line in OrderLine.objects.filter(order_id__in=rank)
        ),
        "payments": sorted(
            (
                rank[payment.order_id],
                payment.method,
                payment.amount,
                payment.currency,
                payment.status,
                payment.reference,
                when(payment.received_at),
            )
            for payment in Payment.objects.filter(order_id__in=rank)
        ),
        "events": [
            (
                rank[event.order_id],
                event.kind,
                event.from_status,
                event.to_status,
                users[event.actor_id],
                event.note,
                when(event.created_at),
            )
            for event in sorted(
                OrderEvent.objects.filter(order_id__in=rank),
                key=lambda event: (rank[event.order_id], event.pk),
            )
        ],
        "links": [
            (
                link.external_id,
                rank[link.order_id],
                when(link.imported_at),
                users[link.imported_by_id],
                link.raw,
            )
            for link in links
        ],
        "audit": sorted(
            (
                counties[entry.county_id],
                users[entry.actor_id],
                entry.object_type,
                rank[int(entry.object_id)],
                entry.changes,
            )
            for entry in AuditEntry.objects.filter(action="order.imported")
        ),
        "stock": [
            (products[stock.product_id], stock.quantity, stock.allocated)
            for stock in Stock.objects.filter(
                product__in=[world.product, world.other_product]
            ).order_by("product_id")
        ],
    }


def _raw(row):
    return dict(zip(HEADER, row, strict=True))


def _order(rank, recipient, address, total):
    return {
        "rank": rank,
        "number": True,
        "county": "county",
        "seller": "seller",
        "buyer": "account",
        "status": "paid",
        "delivery_method": "home",
        "recipient_name": recipient,
        "phone": "",
        "address": address,
        "payment_method": "bank_transfer",
        "total": Decimal(total),
        "currency": "CNY",
        "fx_rate": Decimal(1),
        "fx_source": "",
        "fx_date": None,
        "refunded_total": Decimal(0),
        "shipping_fee": Decimal(0),
        "station_id": None,
        "pickup_code": "",
        "placed_at": 0.0,
    }


GOLDEN = {
    "orders": [
        {
            **_order(0, "张三", "江苏省 南京市 ****", "52.00"),
            "checkout": ("county", "account", "channel:3712456789012345678", "9dcf193878ed"),
        },
        {
            **_order(1, "李四", "贵州省 ****", "91.50"),
            "checkout": ("county", "account", "channel:3712456789012345679", "bc6c730be169"),
        },
        {
            **_order(2, "淘宝特色馆", "", "26.00"),
            "checkout": ("county", "account", "channel:3712456789012345680", "0d91662a09ef"),
        },
    ],
    "lines": [
        (0, "A", "name of A", "box", Decimal("2"), Decimal("26.00"), Decimal("52.00")),
        (1, "B", "name of B", "box", Decimal("1"), Decimal("30.50"), Decimal("30.50")),
        (1, "B", "name of B", "box", Decimal("2"), Decimal("30.50"), Decimal("61.00")),
        (2, "A", "name of A", "box", Decimal("1"), Decimal("26.00"), Decimal("26.00")),
    ],
    "payments": [
        (n, "bank_transfer", Decimal(total), "CNY", "received", f"taobao:{number}", 0.0)
        for n, (number, total) in enumerate(
            (
                ("3712456789012345678", "52.00"),
                ("3712456789012345679", "91.50"),
                ("3712456789012345680", "26.00"),
            )
        )
    ],
    "events": [
        event
        for n in range(3)
        for event in (
            (n, "", "", "placed", "actor", "", 0.0),
            (n, "", "placed", "paid", "actor", "taobao", 0.0),
        )
    ],
    "links": [
        ("3712456789012345678", 0, 0.0, "actor", [_raw(ROWS[0])]),
        ("3712456789012345679", 1, 0.0, "actor", [_raw(ROWS[1]), _raw(ROWS[3])]),
        ("3712456789012345680", 2, 0.0, "actor", [_raw(ROWS[2])]),
    ],
    "audit": [
        (
            "county",
            "actor",
            "shop.order",
            n,
            {"channel": "taobao", "external_id": number, "total": total, "lines": lines},
        )
        for n, (number, total, lines) in enumerate(
            (
                ("3712456789012345678", "52.00", 1),
                ("3712456789012345679", "91.50", 2),
                ("3712456789012345680", "26.00", 1),
            )
        )
    ],
    "stock": [("A", Decimal(20), Decimal(3)), ("B", Decimal(20), Decimal(3))],
}


def test_an_import_writes_the_records_the_per_order_path_wrote(world, channel):
    user = world.users["seller_staff"]
    world.other_product.seller = world.seller
    world.other_product.save(update_fields=["seller"])
    lines = [",".join(HEADER), *(",".join(row) for row in ROWS)]
    report = import_order_file(
        channel=channel,
        actor=user,
        upload=io.BytesIO(("\r\n".join(lines) + "\r\n").encode()),
        filename="orders.csv",
    )
    assert (report.imported, report.problems) == (3, [])
    channel.refresh_from_db()
    assert _records(world, channel, user) == GOLDEN
