"""The demo's after-sales history: refunds that went the whole way, each step an order event with
its audit entry, the returned goods back on the shelf, and the figures net of the refunds."""

from decimal import Decimal

from django.db.models import F, Sum

from countyhub.aftersales.models import AfterSaleRequest, RequestStatus
from countyhub.core.models import AuditEntry
from countyhub.shop.models import OrderStatus, Refund
from countyhub.shop.selectors import NET_TOTAL, sales

R = RequestStatus


def test_the_demo_has_refunds_in_its_history(demo_county, db):
    requests = AfterSaleRequest.objects.filter(county=demo_county)
    statuses = sorted(requests.values_list("status", flat=True))
    assert statuses == sorted([R.REFUNDED, R.REFUNDED, R.REFUNDED, R.CLOSED, R.REQUESTED])
    returned = requests.get(kind="return_and_refund")
    assert returned.photos.count() == 1 and returned.refund.method == "bank_transfer"
    assert returned.order.lines.count() == 2
    assert returned.order.status == OrderStatus.COMPLETED  # one line partly refunded
    assert returned.order.refunded_total == returned.amount > 0
    kinds = list(returned.order.events.exclude(kind="").values_list("kind", flat=True))
    assert kinds[0] == "aftersale.requested" and kinds[-1] == "aftersale.refunded"
    assert "aftersale.return_received" in kinds
    disputed = requests.get(county_note__gt="")
    assert disputed.status == R.REFUNDED
    assert disputed.order.events.filter(kind="aftersale.escalated").exists()
    assert requests.filter(status=R.CLOSED, order__events__kind="aftersale.lapsed_refused").exists()
    for request in requests:
        audited = AuditEntry.objects.filter(
            object_type="aftersales.aftersalerequest", object_id=str(request.pk)
        )
        assert audited.count() == request.order.events.filter(kind__startswith="aftersale.").count()


def test_the_demo_refunds_are_netted_out_of_sales(demo_county, db):
    refunded = Refund.objects.filter(order__county=demo_county, aftersale__isnull=False)
    assert refunded.count() == 3
    # Sales are of goods: the shipping fee is not the seller's.
    gross = sales(county=demo_county).aggregate(t=Sum(F("total") - F("shipping_fee")))["t"]
    net = sales(county=demo_county).aggregate(t=Sum(NET_TOTAL))["t"]
    assert gross - net == refunded.aggregate(t=Sum("amount"))["t"] > Decimal(0)
