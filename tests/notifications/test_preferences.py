"""Each user chooses what they receive, on a page that only ever shows and changes their own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from countyhub.core.models import AuditEntry
from countyhub.notifications.models import (
    Channel,
    Kind,
    NotificationContact,
    NotificationPreference,
    StockThreshold,
)
from countyhub.notifications.services import chosen, preferences_of, set_seller_threshold
from countyhub.shop.models import DeliveryMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout

URL = "/account/notifications/"


def test_the_page_lives_at_its_url_and_needs_a_log_in(client):
    assert reverse("notifications:preferences") == URL
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_each_role_sees_its_own_kinds(world, client):
    client.force_login(world.users["buyer"])
    page = client.get(URL).content.decode()
    assert 'name="order_shipped__sms"' in page
    assert "seller_new_order" not in page and "operator_parcels_arriving" not in page
    client.force_login(world.users["seller_staff"])
    page = client.get(URL).content.decode()
    assert 'name="seller_low_stock__email"' in page and 'name="order_placed__email"' in page
    client.force_login(world.users["station_operator"])
    page = client.get(URL).content.decode()
    assert 'name="operator_parcels_arriving__sms"' in page and "seller_new_order" not in page


def test_defaults_keep_transactional_messages_on(world):
    buyer = world.users["buyer"]
    assert chosen(buyer, Kind.ORDER_PLACED) == {Channel.EMAIL: True, Channel.SMS: False}
    assert chosen(buyer, Kind.ORDER_SHIPPED) == {Channel.EMAIL: True, Channel.SMS: True}


def test_a_user_saves_choices_language_and_phone_and_the_change_is_audited(world, client):
    buyer = world.users["buyer"]
    client.force_login(buyer)
    response = client.post(
        URL,
        {"language": "en", "phone": "13800000001", "order_shipped__email": "on"},
    )
    assert response.status_code == 302
    assert chosen(buyer, Kind.ORDER_SHIPPED) == {Channel.EMAIL: True, Channel.SMS: False}
    assert chosen(buyer, Kind.ORDER_PLACED) == {Channel.EMAIL: False, Channel.SMS: False}
    contact = NotificationContact.objects.get(user=buyer)
    assert (contact.language, contact.phone) == ("en", "13800000001")
    entry = AuditEntry.objects.get(action="notification_preferences.changed")
    assert entry.actor == buyer
    assert entry.changes["order_placed.email"] == [True, False]
    assert entry.changes["language"] == ["zh-hans", "en"]
    # The page shows what was saved, in English now that the page is asked in English.
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="order_placed__email" id="id_order_placed__email" aria-label' in page
    assert (
        'id="id_order_shipped__email" aria-label="your order was shipped: e-mail" checked' in page
    )


def test_saving_the_same_choices_again_writes_no_audit_entry(world, client):
    client.force_login(world.users["buyer"])
    data = {"language": "zh-hans", "phone": "", "order_placed__email": "on"}
    data.update({f"{kind}__email": "on" for kind in ("order_shipped", "ready_for_pickup")})
    client.post(URL, data)
    count = AuditEntry.objects.count()
    client.post(URL, data)
    assert AuditEntry.objects.count() == count


def test_a_bad_phone_is_shown_on_its_field(world, client):
    client.force_login(world.users["buyer"])
    response = client.post(URL, {"language": "zh-hans", "phone": "call me"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"phone": ["请填写由数字组成的电话号码。"]}
    assert not NotificationContact.objects.exists()


def test_nobody_reads_or_changes_another_users_choices(world, client):
    buyer, seller_staff = world.users["buyer"], world.users["seller_staff"]
    NotificationContact.objects.create(user=seller_staff, language="en", phone="13900000002")
    client.force_login(buyer)
    page = client.get(URL, {"user": seller_staff.pk}).content.decode()
    assert seller_staff.email not in page and "13900000002" not in page
    assert buyer.email in page
    before = preferences_of(seller_staff)
    client.post(
        f"{URL}?user={seller_staff.pk}",
        {
            "user": seller_staff.pk,
            "language": "zh-hans",
            "phone": "",
            "seller_new_order__email": "",
        },
    )
    assert preferences_of(seller_staff) == before
    assert NotificationContact.objects.get(user=seller_staff).phone == "13900000002"
    assert not NotificationPreference.objects.filter(user=seller_staff).exists()
    # A buyer cannot switch on a seller's kind for themselves by naming it either.
    client.post(URL, {"language": "zh-hans", "phone": "", "seller_new_order__email": "on"})
    assert not NotificationPreference.objects.filter(kind=Kind.SELLER_NEW_ORDER).exists()


def test_turning_a_channel_on_is_honoured(world, client, django_capture_on_commit_callbacks):
    buyer = world.users["buyer"]
    client.force_login(buyer)
    client.post(
        URL,
        {"language": "en", "phone": "", "order_placed__email": "on", "order_placed__sms": "on"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        place_checkout(
            buyer=buyer,
            lines=[LineRequest(world.product.pk, "1")],
            delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk, "王芳", "1380"),
        )
    # No phone given: the SMS has nowhere to go, the e-mail goes, in English.
    (to_buyer,) = [m for m in mail.outbox if m.to == [buyer.email]]
    assert to_buyer.subject.startswith("Order ")


def test_seller_staff_set_their_sellers_low_stock_threshold_only(world, client):
    staff = world.users["seller_staff"]
    client.force_login(staff)
    page = client.get(URL).content.decode()
    assert f'name="threshold_{world.seller.pk}"' in page
    assert f'name="threshold_{world.other_seller.pk}"' not in page
    data = {"language": "zh-hans", "phone": "", f"threshold_{world.seller.pk}": "8"}
    data[f"threshold_{world.other_seller.pk}"] = "9"  # not theirs: ignored
    assert client.post(URL, data).status_code == 302
    assert list(StockThreshold.objects.values_list("seller_id", "product_id", "threshold")) == [
        (world.seller.pk, None, Decimal("8.000"))
    ]
    entry = AuditEntry.objects.get(action="stock_threshold.changed")
    assert (entry.actor, entry.changes) == (staff, {"threshold": [None, "8"]})
    assert 'value="8"' in client.get(URL).content.decode()
    # Emptied: back to the default.
    client.post(URL, {**data, f"threshold_{world.seller.pk}": ""})
    assert not StockThreshold.objects.exists()


def test_a_threshold_is_set_by_the_sellers_staff_only(world, client):
    with pytest.raises(PermissionDenied):
        set_seller_threshold(
            actor=world.users["other_seller_staff"], seller=world.seller, threshold=Decimal(3)
        )
    client.force_login(world.users["buyer"])
    assert "threshold_" not in client.get(URL).content.decode()
    assert not StockThreshold.objects.exists()
