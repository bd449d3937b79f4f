"""Orders write their notifications in their own transaction and send them after it commits."""

from __future__ import annotations

import datetime
import socket
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from countyhub.catalog.models import Stock
from countyhub.notifications.models import (
    Channel,
    Kind,
    Notification,
    NotificationContact,
    Status,
    StockThreshold,
)
from countyhub.notifications.services import notify, resend, set_preferences
from countyhub.shop import services
from countyhub.shop.models import DeliveryMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout


def place(world, quantity="2", buyer=None):
    return place_checkout(
        buyer=buyer or world.users["buyer"],
        lines=[LineRequest(world.product.pk, quantity)],
        delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk, "王芳", "13800000000"),
    ).orders[0]


def test_an_order_sends_one_buyer_and_one_seller_email_after_its_commit(
    world, django_capture_on_commit_callbacks
):
    buyer, staff = world.users["buyer"], world.users["seller_staff"]
    with django_capture_on_commit_callbacks(execute=True):
        order = place(world)
        # Written in the order's transaction, not sent yet: the order has not committed.
        assert set(Notification.objects.values_list("kind", "status")) == {
            (Kind.ORDER_PLACED, Status.QUEUED),
            (Kind.SELLER_NEW_ORDER, Status.QUEUED),
        }
        assert mail.outbox == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted([buyer.email, staff.email])
    to_buyer = next(m for m in mail.outbox if m.to == [buyer.email])
    # The recipient's language (Chinese by default) and an absolute link to the order.
    assert order.number in to_buyer.subject and "订单" in to_buyer.subject
    assert f"http://testserver.example/orders/{order.number}/" in to_buyer.body
    to_seller = next(m for m in mail.outbox if m.to == [staff.email])
    assert world.product.name in to_seller.body
    assert Notification.objects.filter(status=Status.SENT, sent_at__isnull=False).count() == 2


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


class AbandonedError(Exception):
    pass


def place_then_abandon(world):
    with transaction.atomic():
        place(world)
        raise AbandonedError


@pytest.mark.django_db(transaction=True)
def test_a_committed_order_is_mailed_and_a_rolled_back_one_sends_nothing(world):
    with pytest.raises(AbandonedError):
        place_then_abandon(world)
    assert Notification.objects.count() == 0
    assert mail.outbox == []
    place(world)
    assert len(mail.outbox) == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


def test_an_opted_out_buyer_gets_nothing_and_the_seller_still_does(
    world, django_capture_on_commit_callbacks
):
    buyer = world.users["buyer"]
    set_preferences(
        user=buyer,
        choices={(Kind.ORDER_PLACED, Channel.EMAIL): False},
        language="zh-hans",
        phone="",
    )
    with django_capture_on_commit_callbacks(execute=True):
        place(world)
    assert [m.to for m in mail.outbox] == [[world.users["seller_staff"].email]]
    assert not Notification.objects.filter(user=buyer).exists()


def test_english_readers_get_english(world, django_capture_on_commit_callbacks):
    buyer = world.users["buyer"]
    NotificationContact.objects.create(user=buyer, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(world)
    (to_buyer,) = [m for m in mail.outbox if m.to == [buyer.email]]
    assert to_buyer.subject == f"Order {order.number} placed"
    assert "Thank you for your order" in to_buyer.body


def test_notifying_twice_writes_and_sends_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(Kind.ORDER_PLACED, order=order) == []
    assert Notification.objects.filter(kind=Kind.ORDER_PLACED).count() == 1
    assert len(mail.outbox) == 2


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_failed_send_keeps_the_order_and_the_drain_retries_it_after_its_wait(
    world, settings, django_capture_on_commit_callbacks
):
    # A real SMTP back end pointed at a port nobody listens on: the connection is refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    with django_capture_on_commit_callbacks(execute=True):
        order = place(world)
    order.refresh_from_db()
    assert order.status == "placed"
    failed = Notification.objects.get(kind=Kind.ORDER_PLACED)
    assert (failed.status, failed.attempts) == (Status.FAILED, 1)
    assert "ConnectionRefusedError" in failed.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_notifications")
    assert mail.outbox == []  # the first retry waits a minute
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        call_command("send_notifications")
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.SENT, 2, "")
    assert len(mail.outbox) == 2  # the buyer's and the seller's, once each
    call_command("send_notifications")
    assert len(mail.outbox) == 2


def test_the_drain_gives_up_after_the_last_attempt_until_staff_resend(
    world, settings, django_capture_on_commit_callbacks
):
    settings.COUNTYHUB_NOTIFICATION_MAX_ATTEMPTS = 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    with django_capture_on_commit_callbacks(execute=True):
        place(world)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        call_command("send_notifications")
    assert mail.outbox == []
    given_up = Notification.objects.get(kind=Kind.ORDER_PLACED)
    with django_capture_on_commit_callbacks(execute=True):
        resend(notification=given_up, actor=world.users["county_admin"])
    given_up.refresh_from_db()
    assert given_up.status == Status.SENT
    assert [m.to for m in mail.outbox] == [[world.users["buyer"].email]]


def test_shipping_tells_the_buyer_the_tracking_and_the_station_its_parcel(
    world, settings, django_capture_on_commit_callbacks
):
    settings.COUNTYHUB_TRACKING_URLS = {"顺丰": "https://track.example/{number}"}
    staff = world.users["seller_staff"]
    order = place(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(order=order, actor=staff, carrier="顺丰速运", tracking_number="SF123")
    to_buyer = next(m for m in mail.outbox if m.to == [world.users["buyer"].email])
    assert "SF123" in to_buyer.body and "https://track.example/SF123" in to_buyer.body
    to_operator = next(m for m in mail.outbox if m.to == [world.users["station_operator"].email])
    assert "SF123" in to_operator.body and "王芳" in to_operator.body
    assert len(mail.outbox) == 2
    # The buyer gave no phone for messages: the text goes to the order's delivery phone.
    text = Notification.objects.get(kind=Kind.ORDER_SHIPPED, channel=Channel.SMS)
    assert (text.user, text.address, text.status) == (
        world.users["buyer"],
        "13800000000",
        Status.SENT,
    )


def test_a_carrier_without_a_tracking_page_gives_the_number(
    world, django_capture_on_commit_callbacks
):
    order = place(world)
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(
            order=order, actor=world.users["seller_staff"], carrier="县物流", tracking_number="X9"
        )
    to_buyer = next(m for m in mail.outbox if m.to == [world.users["buyer"].email])
    assert "X9" in to_buyer.body and "http" not in to_buyer.body.split("X9")[1].split("\n")[1]


def test_a_villager_ordered_for_gets_a_text_message_on_their_phone(
    world, capsys, django_capture_on_commit_callbacks
):
    operator = world.users["station_operator"]
    with django_capture_on_commit_callbacks(execute=True):
        order = services.place_assisted_order(
            operator=operator,
            station=world.station,
            villager_name="李大爷",
            villager_phone="13900001111",
            lines=[LineRequest(world.product.pk, "1")],
        ).orders[0]
    with django_capture_on_commit_callbacks(execute=True):
        services.ship_order(
            order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="YZ7"
        )
    to_villager = Notification.objects.filter(address="13900001111").order_by("pk")
    assert [(n.kind, n.channel, n.status) for n in to_villager] == [
        (Kind.ORDER_PLACED, Channel.SMS, Status.SENT),
        (Kind.ORDER_SHIPPED, Channel.SMS, Status.SENT),
    ]
    assert to_villager[1].params == {
        "number": order.number,
        "carrier": "邮政",
        "tracking_number": "YZ7",
    }
    printed = capsys.readouterr().out
    assert "SMS to 13900001111" in printed and "YZ7" in printed
    # The operator placed it at the desk: they are not told as its buyer.
    assert not Notification.objects.filter(user=operator, kind=Kind.ORDER_PLACED).exists()


def test_the_seller_hears_once_when_an_order_takes_stock_below_the_threshold(
    world, django_capture_on_commit_callbacks
):
    StockThreshold.objects.create(seller=world.seller, threshold=Decimal("10"))
    place(world, "9")  # 20 -> 11 available: above the seller's threshold
    assert not Notification.objects.filter(kind=Kind.SELLER_LOW_STOCK).exists()
    with django_capture_on_commit_callbacks(execute=True):
        place(world, "2")  # 11 -> 9: crosses it
    (alert,) = Notification.objects.filter(kind=Kind.SELLER_LOW_STOCK)
    assert alert.user == world.users["seller_staff"]
    assert "9" in alert.body and world.product.name in alert.subject
    place(world, "1")  # 9 -> 8: already below, no second message
    assert Notification.objects.filter(kind=Kind.SELLER_LOW_STOCK).count() == 1
    assert Stock.objects.get(product=world.product).available == 8


def test_a_product_threshold_wins_over_the_sellers(world):
    StockThreshold.objects.create(seller=world.seller, threshold=Decimal("1"))
    StockThreshold.objects.create(
        seller=world.seller, product=world.product, threshold=Decimal("19")
    )
    place(world, "2")
    assert Notification.objects.filter(kind=Kind.SELLER_LOW_STOCK).count() == 1


def test_a_broken_message_does_not_break_the_order(world, settings):
    settings.COUNTYHUB_TRACKING_URLS = {"顺丰": "https://track.example/{unknown_field}"}
    order = place(world)
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="顺丰", tracking_number="SF1"
    )
    order.refresh_from_db()
    assert order.status == "shipped"
    assert not Notification.objects.filter(kind=Kind.ORDER_SHIPPED).exists()


def test_with_redis_configured_the_worker_sends(
    world, settings, django_capture_on_commit_callbacks
):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    with django_capture_on_commit_callbacks(execute=True):
        place(world)
    assert mail.outbox == []
    call_command("send_notifications")
    assert len(mail.outbox) == 2
