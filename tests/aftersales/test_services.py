import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from countyhub.aftersales import services
from countyhub.aftersales.errors import AftersalesError, AftersalesErrorCode
from countyhub.aftersales.models import AfterSaleRequest, Reason, RequestKind, RequestStatus
from countyhub.catalog.models import Stock
from countyhub.core.models import AuditEntry
from countyhub.shop.errors import ShopError
from countyhub.shop.models import OrderStatus, PaymentStatus, Refund
from countyhub.shop.selectors import NET_TOTAL, sales
from tests.aftersales.conftest import line_of, photo, place_paid


def ask(world, order, quantities, *, kind=RequestKind.RETURN_AND_REFUND, received=True, **kw):
    return services.request_aftersale(
        order=order,
        actor=world.users["buyer"],
        kind=kind,
        goods_received=received,
        reason=Reason.DAMAGED,
        quantities=quantities,
        **kw,
    )


def shelf(product):
    stock = Stock.objects.get(product=product)
    return stock.quantity, stock.allocated


def test_return_of_one_line_with_a_photo_refunds_it_and_restocks_only_on_receipt(world, pears):
    order = place_paid(world, pears)
    assert shelf(pears) == (17, 0)
    pear_line = line_of(order, pears)
    request = ask(world, order, {pear_line.pk: Decimal("2")}, photos=[photo()])
    assert (request.amount, request.status) == (Decimal("25.00"), RequestStatus.REQUESTED)
    assert request.photos.get().image.read()[:4] == b"\x89PNG"
    seller = world.users["seller_staff"]
    services.ask_return(request=request, actor=seller, address="青山县农产品仓 3 号")
    services.ship_return(
        request=request, actor=world.users["buyer"], carrier="中通", tracking_number="ZT77"
    )
    assert shelf(pears) == (17, 0)  # on its way back: not on the shelf yet
    services.receive_return(request=request, actor=seller)
    assert shelf(pears) == (19, 0)
    with pytest.raises(ShopError) as caught:  # a bank transfer back needs its reference
        services.pay_refund(request=request, actor=world.users["county_admin"], reference=" ")
    assert caught.value.field == "reference"
    services.pay_refund(request=request, actor=world.users["county_admin"], reference="BK-42")
    request.refresh_from_db()
    order.refresh_from_db()
    assert request.status == RequestStatus.REFUNDED
    assert request.refund.amount == Decimal("25.00")
    assert (request.refund.reference, request.refund.method) == ("BK-42", "bank_transfer")
    # A part refunded: still a sale, worth ¥112.50 now.
    assert order.status == OrderStatus.SHIPPED
    assert order.refunded_total == Decimal("25.00")
    assert sales().annotate(net=NET_TOTAL).get(pk=order.pk).net == Decimal("112.50")
    pear_line.refresh_from_db()
    assert (pear_line.refunded_quantity, pear_line.refunded_amount) == (2, Decimal("25.00"))
    kinds = list(order.events.exclude(kind="").values_list("kind", flat=True))
    assert kinds == [
        "aftersale.requested",
        "aftersale.return_requested",
        "aftersale.return_shipped",
        "aftersale.return_received",
        "refund",
        "aftersale.refunded",
    ]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"aftersale.requested", "aftersale.return_received", "order.refund"} <= actions


def test_refunding_every_line_refunds_the_order(world, pears):
    order = place_paid(world, pears, ship=False)
    quantities = {line.pk: line.quantity for line in order.lines.all()}
    request = ask(world, order, quantities, kind=RequestKind.REFUND_ONLY, received=False)
    assert request.amount == order.total
    services.agree(request=request, actor=world.users["seller_staff"])
    services.pay_refund(request=request, actor=world.users["county_admin"], reference="BK-1")
    order.refresh_from_db()
    assert (order.status, order.payment.status) == (OrderStatus.REFUNDED, PaymentStatus.REFUNDED)
    assert not sales().filter(pk=order.pk).exists()
    # Never shipped: the allocation is released, nothing is restocked.
    assert shelf(world.product) == (20, 0)
    assert shelf(pears) == (20, 0)


def test_a_line_refunded_before_shipping_does_not_ship(world, pears):
    order = place_paid(world, pears, ship=False)
    request = ask(
        world, order, {line_of(order, pears).pk: Decimal(3)}, kind="refund_only", received=False
    )
    services.agree(request=request, actor=world.users["seller_staff"])
    services.pay_refund(request=request, actor=world.users["county_admin"], reference="BK-2")
    assert shelf(pears) == (20, 0)
    from countyhub.shop.services import ship_order

    ship_order(order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="Y")
    assert shelf(pears) == (20, 0)
    assert shelf(world.product) == (16, 0)


def test_partial_quantity_rounds_to_the_fen_and_the_last_unit_takes_the_rest(world, pears):
    order = place_paid(world, pears, apples="1", pear_boxes="0.3")
    pear_line = line_of(order, pears)
    assert pear_line.line_total == Decimal("3.75")
    request = ask(world, order, {pear_line.pk: Decimal("0.1")}, kind="refund_only")
    assert request.amount == Decimal("1.25")
    services.agree(request=request, actor=world.users["seller_staff"])
    services.pay_refund(request=request, actor=world.users["county_admin"], reference="BK")
    with pytest.raises(ShopError) as caught:
        ask(world, order, {pear_line.pk: Decimal("0.3")}, kind="refund_only")
    assert caught.value.field == "lines"
    rest = ask(world, order, {pear_line.pk: Decimal("0.2")}, kind="refund_only")
    assert rest.amount == Decimal("2.50")


def test_a_buyer_cannot_ask_on_another_buyers_order(world, pears):
    order = place_paid(world, pears)
    with pytest.raises(AftersalesError) as caught:
        services.request_aftersale(
            order=order,
            actor=world.users["seller_staff"],
            kind="refund_only",
            goods_received=True,
            reason=Reason.DAMAGED,
            quantities={line_of(order, pears).pk: Decimal(1)},
        )
    assert caught.value.code == AftersalesErrorCode.FORBIDDEN
    assert not AfterSaleRequest.objects.exists()


def test_a_seller_cannot_answer_another_sellers_request(world, pears):
    order = place_paid(world, pears)
    request = ask(world, order, {line_of(order, pears).pk: Decimal(1)})
    for act in (
        lambda actor: services.agree(request=request, actor=actor),
        lambda actor: services.refuse(request=request, actor=actor, note="no"),
        lambda actor: services.ask_return(request=request, actor=actor, address="x"),
    ):
        with pytest.raises(AftersalesError) as caught:
            act(world.users["other_seller_staff"])
        assert caught.value.code == AftersalesErrorCode.FORBIDDEN
    with pytest.raises(AftersalesError):
        services.pay_refund(request=request, actor=world.users["other_county_admin"], reference="x")
    request.refresh_from_db()
    assert request.status == RequestStatus.REQUESTED


def test_one_open_request_per_order_and_nothing_to_refund_unpaid(world, pears):
    order = place_paid(world, pears)
    ask(world, order, {line_of(order, pears).pk: Decimal(1)})
    with pytest.raises(AftersalesError) as caught:
        ask(world, order, {line_of(order, world.product).pk: Decimal(1)})
    assert caught.value.code == AftersalesErrorCode.ALREADY_OPEN


def test_goods_not_shipped_cannot_be_received_nor_returned(world, pears):
    order = place_paid(world, pears, ship=False)
    with pytest.raises(AftersalesError) as caught:
        ask(world, order, {line_of(order, pears).pk: Decimal(1)})
    assert caught.value.field == "goods_received"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: photo("x.gif", "GIF"), "JPEG, PNG or WebP"),
        (lambda: photo("fake.jpg").__class__("fake.jpg", b"not an image"), "not a picture"),
    ],
)
def test_photos_must_be_pictures(world, pears, upload, message):
    order = place_paid(world, pears)
    with pytest.raises(AftersalesError) as caught:
        ask(world, order, {line_of(order, pears).pk: Decimal(1)}, photos=[upload()])
    assert message in caught.value.message
    assert caught.value.field == "photos"


def test_photos_over_the_size_limit_are_refused(world, pears, settings):
    settings.AFTERSALES_PHOTO_MAX_BYTES = 100
    order = place_paid(world, pears)
    with pytest.raises(AftersalesError) as caught:
        ask(world, order, {line_of(order, pears).pk: Decimal(1)}, photos=[photo()])
    assert caught.value.code == AftersalesErrorCode.BAD_PHOTO


def test_an_unanswered_request_goes_to_the_county_and_the_county_decides(world, pears, settings):
    settings.AFTERSALES_SELLER_ANSWER_HOURS = 48
    order = place_paid(world, pears)
    request = ask(world, order, {line_of(order, pears).pk: Decimal(1)}, kind="refund_only")
    almost = timezone.now() + datetime.timedelta(hours=47)
    assert services.run_deadlines(now=almost) == {}
    later = timezone.now() + datetime.timedelta(hours=49)
    assert services.run_deadlines(now=later) == {RequestStatus.ESCALATED: 1}
    assert services.run_deadlines(now=later) == {}  # idempotent
    request.refresh_from_db()
    assert request.status == RequestStatus.ESCALATED
    assert order.events.filter(kind="aftersale.lapsed_requested").count() == 1
    with pytest.raises(AftersalesError):
        services.decide(request=request, actor=world.users["seller_staff"], refund=True, note="x")
    services.decide(
        request=request, actor=world.users["county_admin"], refund=True, note="照片可见破损"
    )
    services.pay_refund(request=request, actor=world.users["county_admin"], reference="BK-7")
    assert Refund.objects.get(order=order).amount == Decimal("12.50")


def test_a_refusal_may_go_to_the_county_or_lapses(world, pears):
    order = place_paid(world, pears)
    request = ask(world, order, {line_of(order, pears).pk: Decimal(1)}, kind="refund_only")
    with pytest.raises(AftersalesError) as caught:
        services.refuse(request=request, actor=world.users["seller_staff"], note=" ")
    assert caught.value.field == "seller_note"
    services.refuse(request=request, actor=world.users["seller_staff"], note="包装完好")
    later = timezone.now() + datetime.timedelta(days=8)
    assert services.run_deadlines(now=later) == {RequestStatus.CLOSED: 1}
    request.refresh_from_db()
    assert request.status == RequestStatus.CLOSED
    # Closed: the buyer may ask again.
    again = ask(world, order, {line_of(order, pears).pk: Decimal(1)}, kind="refund_only")
    services.refuse(request=again, actor=world.users["seller_staff"], note="包装完好")
    services.escalate(request=again, actor=world.users["buyer"])
    services.decide(request=again, actor=world.users["county_admin"], refund=False, note="无证据")
    again.refresh_from_db()
    assert again.status == RequestStatus.CLOSED
    assert order.refunds.count() == 0


def test_the_deadlines_command_escalates_once(world, pears, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.AFTERSALES_SELLER_ANSWER_HOURS = 0
    order = place_paid(world, pears)
    request = ask(world, order, {line_of(order, pears).pk: Decimal(1)}, kind="refund_only")
    out = StringIO()
    call_command("run_aftersales_deadlines", stdout=out)
    assert "escalated: 1" in out.getvalue()
    call_command("run_aftersales_deadlines", stdout=out)
    assert "nothing due" in out.getvalue()
    request.refresh_from_db()
    assert request.status == RequestStatus.ESCALATED


def test_the_seller_hears_of_the_request_and_the_buyer_of_each_answer(
    world, pears, django_capture_on_commit_callbacks
):
    from django.core import mail

    order = place_paid(world, pears)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(world, order, {line_of(order, pears).pk: Decimal("1")})
    assert [m.to for m in mail.outbox] == [[world.users["seller_staff"].email]]
    assert order.number in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.refuse(request=request, actor=world.users["seller_staff"], note="已超时")
    (to_buyer,) = mail.outbox
    assert to_buyer.to == [world.users["buyer"].email]
    assert "refused by the seller" in to_buyer.body and "已超时" in to_buyer.body
