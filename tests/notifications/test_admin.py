"""County staff read the outbox of their counties and send a message again (audited)."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from countyhub.core.models import AuditEntry
from countyhub.notifications.models import Kind, Notification, Status
from countyhub.shop.models import DeliveryMethod
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout


def test_county_staff_read_their_outbox_and_resend(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        place_checkout(
            buyer=world.users["buyer"],
            lines=[LineRequest(world.product.pk, "1")],
            delivery=DeliveryRequest(DeliveryMethod.STATION, world.station.pk, "王芳", "1"),
        )
    placed = Notification.objects.get(kind=Kind.ORDER_PLACED)
    changelist = reverse("admin:notifications_notification_changelist")
    client.force_login(world.users["county_admin"])
    assert placed.subject in client.get(changelist).content.decode()
    detail = client.get(reverse("admin:notifications_notification_change", args=[placed.pk]))
    assert detail.status_code == 200 and placed.body.splitlines()[0] in detail.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "resend", "_selected_action": [placed.pk]})
    placed.refresh_from_db()
    assert (placed.status, placed.attempts) == (Status.SENT, 1)
    assert [m.to for m in mail.outbox] == [[world.users["buyer"].email]]
    entry = AuditEntry.objects.get(action="notification.resent")
    assert (entry.actor, entry.object_id) == (world.users["county_admin"], str(placed.pk))

    client.force_login(world.users["other_county_admin"])
    assert placed.subject not in client.get(changelist).content.decode()
