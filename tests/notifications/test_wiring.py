"""The kinds other apps emit: the station desk's receipt of a parcel sends the shop's
`order_ready_for_pickup` signal; the after-sales app (above notifications) calls notify()."""

from __future__ import annotations

from django.core import mail
from django.db import transaction

from countyhub.notifications.models import Channel, Kind, Notification, NotificationContact
from countyhub.notifications.services import notify
from countyhub.shop import services
from countyhub.shop.models import DeliveryMethod, OrderStatus
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout


def place(world):
    return place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk, "王芳", "13800000000"),
    ).orders[0]


def arrive_at_station(world, order):
    """The seller ships the parcel to the station; its operator records it received."""
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="9800"
    )
    return services.receive_at_station(order=order, actor=world.users["station_operator"])


def test_ready_for_pickup_tells_the_buyer_the_code(world, django_capture_on_commit_callbacks):
    order = place(world)
    with django_capture_on_commit_callbacks(execute=True):
        arrive_at_station(world, order)
    order.refresh_from_db()
    (to_buyer,) = [
        m
        for m in mail.outbox
        if m.to == [world.users["buyer"].email] and order.pickup_code in m.body
    ]
    assert world.station.name in to_buyer.subject + to_buyer.body


def test_ready_for_pickup_reaches_a_villager_by_text_message(
    world, capsys, django_capture_on_commit_callbacks
):
    order = services.place_assisted_order(
        operator=world.users["station_operator"],
        station=world.station,
        villager_name="李大爷",
        villager_phone="13900001111",
        lines=[LineRequest(world.product.pk, "1")],
    ).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        arrive_at_station(world, order)
    order.refresh_from_db()
    sms = Notification.objects.get(kind=Kind.READY_FOR_PICKUP)
    assert (sms.channel, sms.address) == (Channel.SMS, "13900001111")
    assert sms.params == {
        "number": order.number,
        "station": world.station.name,
        "pickup_code": order.pickup_code,
    }
    assert f"取件码 {order.pickup_code}" in capsys.readouterr().out


def test_refund_requested_and_decided_in_each_recipients_language(
    world, django_capture_on_commit_callbacks
):
    order = place(world)
    NotificationContact.objects.create(user=world.users["buyer"], language="en")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notify(
            Kind.SELLER_REFUND_REQUESTED,
            order=order,
            key="refund:7",
            context={"reason": "坏果三个"},
        )
    (to_seller,) = mail.outbox
    assert to_seller.to == [world.users["seller_staff"].email]
    assert "退款" in to_seller.subject and "坏果三个" in to_seller.body
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        # A lazy label renders in each recipient's own language.
        decision = {"decision": OrderStatus.REFUNDED.label, "reason": ""}
        notify(Kind.REFUND_DECIDED, order=order, key="refund:7", context=decision)
        notify(Kind.REFUND_DECIDED, order=order, key="refund:7", context=decision)
    to_buyer = mail.outbox[1:]
    assert [m.to for m in to_buyer] == [[world.users["buyer"].email]]
    assert to_buyer[0].subject == f"Your refund request for order {order.number}"
    assert "was decided: refunded." in to_buyer[0].body
