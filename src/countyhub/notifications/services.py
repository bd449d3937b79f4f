"""Writing notifications into the outbox, delivering them after commit, and users' choices.

`notify()` is called inside the business transaction (by the receivers, or by any app above the
shop): it renders each message in its recipient's language and writes one outbox row per
recipient and channel, then asks for delivery once the transaction commits. Without `REDIS_URL`
the request's process sends right after the commit; with it, the background worker
(`countyhub manage send_notifications --loop 30`) does. Sending is not a change of business
data and is not audited; users' choices and the admin's resends are.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.models import Membership, Role
from countyhub.core.money import format_money
from countyhub.notifications.kinds import KINDS, kinds_for
from countyhub.notifications.models import (
    Audience,
    Channel,
    Kind,
    Notification,
    NotificationContact,
    NotificationPreference,
    Status,
    StockThreshold,
)
from countyhub.notifications.providers import send_email, sms_provider
from countyhub.shop.models import Order

log = logging.getLogger(__name__)

# Values an SMS gateway's registered template is filled with, per kind (plain strings).
SMS_PARAMS: dict[str, tuple[str, ...]] = {
    Kind.ORDER_PLACED: ("number",),
    Kind.ORDER_SHIPPED: ("number", "carrier", "tracking_number"),
    Kind.READY_FOR_PICKUP: ("number", "station", "pickup_code"),
    Kind.REFUND_DECIDED: ("number", "decision"),
    Kind.SELLER_NEW_ORDER: ("number", "total"),
    Kind.SELLER_REFUND_REQUESTED: ("number",),
    Kind.SELLER_LOW_STOCK: ("product", "available"),
    Kind.OPERATOR_PARCELS_ARRIVING: ("number", "station"),
}

_suppressed: ContextVar[bool] = ContextVar("countyhub_notifications_suppressed", default=False)


@contextlib.contextmanager
def suppressed() -> Iterator[None]:
    """Write no notifications in this block: the demo replays two years of past orders."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def is_suppressed() -> bool:
    return _suppressed.get()


@dataclass(frozen=True)
class Recipient:
    """A user (channels by their choices; `phone` if they gave none of their own) or a phone
    with no account (a villager: SMS only)."""

    user: Any = None
    phone: str = ""

    @property
    def key(self) -> str:
        return f"user:{self.user.pk}" if self.user is not None else f"phone:{self.phone}"


def recipients_for(audience: str, order: Order) -> list[Recipient]:
    """Who hears of an order: its buyer (or the villager it was placed for), the seller's
    staff, or the operators of the station it goes to."""
    if audience == Audience.BUYER:
        if order.is_assisted:
            # The operator placed it at the desk; the villager has a phone and no account.
            return [Recipient(phone=order.placed_for_phone)]
        return [Recipient(user=order.buyer, phone=order.phone)]
    if audience == Audience.SELLER:
        return [Recipient(user=user) for user in order.seller.staff.filter(is_active=True)]
    if order.station_id is None:
        return []
    memberships = Membership.objects.filter(
        role=Role.STATION_OPERATOR, station_id=order.station_id, user__is_active=True
    ).select_related("user")
    return [Recipient(user=m.user) for m in memberships]


def contact_of(user: Any) -> tuple[str, str]:
    """The user's language and mobile phone for text messages."""
    contact = NotificationContact.objects.filter(user=user).first()
    if contact is None:
        return settings.LANGUAGE_CODE, ""
    return contact.language, contact.phone


def chosen(user: Any, kind: str) -> dict[str, bool]:
    """Whether the user receives `kind` on each channel: their choice, else the default."""
    spec = KINDS[kind]
    choice = dict(
        NotificationPreference.objects.filter(user=user, kind=kind).values_list(
            "channel", "enabled"
        )
    )
    return {channel: choice.get(channel, spec.default_for(channel)) for channel in Channel}


def order_url(order: Order) -> str:
    return f"{settings.SITE_URL}{reverse('shop:order', args=[order.number])}"


def tracking_url(carrier: str, number: str) -> str:
    """The carrier's tracking page for the number, when the carrier is known; else empty."""
    for name, template in settings.COUNTYHUB_TRACKING_URLS.items():
        if name.lower() in carrier.lower():
            return str(template).format(number=number)
    return ""


def render(kind: str, channel: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of one message, in `language`, from the kind's template."""
    template = f"notifications/messages/{kind}.txt"
    with translation.override(language):
        subject = render_to_string(template, {**context, "part": "subject"}).strip()
        body = render_to_string(template, {**context, "part": channel}).strip()
    return " ".join(subject.split()), body


def _order_context(order: Order) -> dict[str, Any]:
    return {
        "order": order,
        "number": order.number,
        "total": format_money(order.total),
        "seller": order.seller.name,
        "station": order.station.name if order.station_id else "",
        "recipient": order.placed_for_name or order.recipient_name,
        "url": order_url(order),
    }


@dataclass(frozen=True)
class Message:
    """One kind about one order, for its recipients; `key` names what it is about when an order
    may have several of the kind (a refund request: `refund:<pk>`)."""

    kind: str
    order: Order
    recipients: list[Recipient]
    context: dict[str, Any] = field(default_factory=dict)
    key: str = ""


def message(
    kind: str,
    order: Order,
    *,
    context: dict[str, Any] | None = None,
    key: str = "",
    recipients: Iterable[Recipient] | None = None,
) -> Message:
    """A message of `kind` about `order` for the kind's audience (or `recipients`)."""
    if recipients is None:
        recipients = recipients_for(KINDS[kind].audience, order)
    return Message(kind, order, list(recipients), context or {}, key)


class _Routes:
    """Each recipient's channels, addresses and language for a batch of messages, read in
    two queries, whoever the recipients are."""

    def __init__(self, messages: list[Message]) -> None:
        users = {r.user.pk for m in messages for r in m.recipients if r.user is not None}
        kinds = {m.kind for m in messages}
        self.contacts = (
            {c.user_id: c for c in NotificationContact.objects.filter(user_id__in=users)}
            if users
            else {}
        )
        self.choices = (
            {
                (user_id, kind, channel): enabled
                for user_id, kind, channel, enabled in NotificationPreference.objects.filter(
                    user_id__in=users, kind__in=kinds
                ).values_list("user_id", "kind", "channel", "enabled")
            }
            if users
            else {}
        )

    def wants(self, user_id: int, kind: str, channel: str) -> bool:
        return self.choices.get((user_id, kind, channel), KINDS[kind].default_for(channel))

    def of(self, recipient: Recipient, kind: str) -> list[tuple[str, str, str]]:
        """(channel, address, language) of each message the recipient gets of this kind."""
        if recipient.user is None:
            return (
                [(Channel.SMS, recipient.phone, settings.LANGUAGE_CODE)] if recipient.phone else []
            )
        user = recipient.user
        contact = self.contacts.get(user.pk)
        addresses = {
            Channel.EMAIL: user.email,
            # A buyer who gave no phone for messages is texted at the order's delivery phone.
            Channel.SMS: (contact.phone if contact else "") or recipient.phone,
        }
        language = contact.language if contact else settings.LANGUAGE_CODE
        return [
            (channel, addresses[channel], language)
            for channel in Channel
            if self.wants(user.pk, kind, channel) and addresses[channel]
        ]


def queue(messages: list[Message]) -> list[Notification]:
    """Write the messages into the outbox, inside the caller's transaction, each rendered in
    its recipient's language; they are delivered after the commit. The same kind, key and
    recipient is written once, however often it is queued. Returns what waits to be sent."""
    if is_suppressed() or not messages:
        return []
    routes = _Routes(messages)
    rows = []
    for item in messages:
        values = {**_order_context(item.order), **item.context}
        about = item.key or f"order:{item.order.pk}"
        params = {name: str(values.get(name, "")) for name in SMS_PARAMS[item.kind]}
        for recipient in item.recipients:
            for channel, address, language in routes.of(recipient, item.kind):
                subject, body = render(item.kind, channel, language, values)
                rows.append(
                    Notification(
                        idempotency_key=f"{item.kind}:{about}:{recipient.key}:{channel}",
                        county=item.order.county,
                        user=recipient.user,
                        address=address,
                        channel=channel,
                        kind=item.kind,
                        language=language,
                        subject=subject[:200],
                        body=body,
                        params=params,
                        next_attempt_at=timezone.now(),
                    )
                )
    if not rows:
        return []
    # A row already written (a replayed event) stays as it is: the unique key refuses the copy.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    waiting = list(
        Notification.objects.filter(
            idempotency_key__in=[row.idempotency_key for row in rows],
            status=Status.QUEUED,
            attempts=0,
        )
    )
    _deliver_after_commit([n.pk for n in waiting])
    return waiting


def notify(
    kind: str,
    *,
    order: Order,
    context: dict[str, Any] | None = None,
    key: str = "",
    recipients: Iterable[Recipient] | None = None,
) -> list[Notification]:
    """Queue `kind` about `order` for the kind's audience (or `recipients`): the one call an
    app above this one makes inside its transaction, e.g.
    `notify(Kind.REFUND_DECIDED, order=order, key=f"refund:{refund.pk}",
    context={"decision": refund.get_status_display(), "reason": refund.reason})`."""
    if is_suppressed():
        return []
    return queue([message(kind, order, context=context, key=key, recipients=recipients)])


def queue_safely(what: str, action: Callable[[], object]) -> None:
    """Run `action` (which queues messages) in a savepoint whose failure is logged: a message
    never undoes the business step that caused it (an order, a refund, a decision)."""
    try:
        with transaction.atomic():
            action()
    except Exception:
        log.exception("could not queue notifications for %s", what)


def notify_safely(
    kind: str, *, order: Order, context: dict[str, Any] | None = None, key: str = ""
) -> None:
    """`notify` through `queue_safely`, for the apps above notifications."""
    queue_safely(
        f"{kind} of order {order.number}",
        lambda: notify(kind, order=order, context=context, key=key),
    )


def _deliver_after_commit(ids: list[int]) -> None:
    if not ids or settings.REDIS_URL:
        # With Redis configured the background worker drains the outbox.
        return
    transaction.on_commit(lambda: deliver_many(ids), robust=True)


def low_stock_messages(order: Order, lines: list[Any]) -> list[Message]:
    """After the order's allocation: a message to the seller for each product whose available
    stock this order took below its threshold (once, when it crosses). `lines` are the order's
    lines with `product__stock` selected."""
    products = [line.product for line in lines]
    thresholds = StockThreshold.objects.filter(
        Q(product__in=products) | Q(seller_id=order.seller_id, product__isnull=True)
    ).values_list("product_id", "threshold")
    own = {product_id: threshold for product_id, threshold in thresholds if product_id}
    default = next(
        (threshold for product_id, threshold in thresholds if product_id is None),
        Decimal(settings.COUNTYHUB_LOW_STOCK_THRESHOLD),
    )
    messages: list[Message] = []
    staff: list[Recipient] | None = None
    for line in lines:
        stock = getattr(line.product, "stock", None)
        threshold = own.get(line.product_id, default)
        if stock is None or not stock.available < threshold <= stock.available + line.quantity:
            continue
        if staff is None:
            staff = recipients_for(Audience.SELLER, order)
        messages.append(
            message(
                Kind.SELLER_LOW_STOCK,
                order,
                key=f"order:{order.pk}:product:{line.product_id}",
                recipients=staff,
                context={
                    "product": line.product.name,
                    "available": f"{stock.available.normalize():f} {line.unit}",
                    "threshold": f"{threshold.normalize():f}",
                },
            )
        )
    return messages


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=2 ** (attempts - 1))


def _send(notification: Notification) -> None:
    if notification.channel == Channel.EMAIL:
        send_email(
            address=notification.address, subject=notification.subject, body=notification.body
        )
    else:
        sms_provider().send(
            phone=notification.address,
            text=notification.body,
            kind=notification.kind,
            params=notification.params,
        )


def deliver(pk: int) -> bool:
    """Send one queued or failed message; True when it went. A failure is kept with its error
    and retried later by the drain, never raised: it must not reach the order."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status__in=[Status.QUEUED, Status.FAILED])
            .first()
        )
        if notification is None:
            return False  # sent already, or another process is sending it now
        now = timezone.now()
        notification.attempts += 1
        try:
            _send(notification)
        except Exception as error:  # any provider failure: keep it and retry later
            log.warning("notification %s failed: %s", notification.pk, error)
            notification.status = Status.FAILED
            notification.last_error = f"{type(error).__name__}: {error}"[:500]
            notification.next_attempt_at = now + _backoff(notification.attempts)
        else:
            notification.status = Status.SENT
            notification.sent_at = now
            notification.last_error = ""
        notification.save(
            update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at"]
        )
    return notification.status == Status.SENT


def deliver_many(ids: Iterable[int]) -> int:
    return sum(deliver(pk) for pk in ids)


def due(now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """Messages waiting to be sent: queued, or failed with attempts left and the wait over."""
    return Notification.objects.filter(
        status__in=[Status.QUEUED, Status.FAILED],
        attempts__lt=settings.COUNTYHUB_NOTIFICATION_MAX_ATTEMPTS,
        next_attempt_at__lte=now or timezone.now(),
    ).order_by("next_attempt_at", "pk")


def deliver_due(*, limit: int = 500) -> tuple[int, int]:
    """Drain the outbox once; returns (sent, failed)."""
    ids = list(due().values_list("pk", flat=True)[:limit])
    sent = deliver_many(ids)
    return sent, len(ids) - sent


@transaction.atomic
def resend(*, notification: Notification, actor: Any) -> Notification:
    """Staff send a message again (after fixing an address or the provider's settings)."""
    previous = notification.status
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    record_audit(
        actor=actor,
        action="notification.resent",
        target=notification,
        county=notification.county,
        changes={"status": [previous, Status.QUEUED]},
    )
    _deliver_after_commit([notification.pk])
    return notification


def audiences_of(user: Any) -> set[str]:
    """Whose notifications a user may choose: everyone buys; sellers' staff and station
    operators also get theirs."""
    audiences = {Audience.BUYER.value}
    if user.seller_staff_of.exists():
        audiences.add(Audience.SELLER.value)
    if Membership.objects.filter(
        user=user, role=Role.STATION_OPERATOR, station__isnull=False
    ).exists():
        audiences.add(Audience.OPERATOR.value)
    return audiences


def preferences_of(user: Any) -> dict[tuple[str, str], bool]:
    """Every (kind, channel) the user may choose, with what they receive now."""
    return {
        (kind, channel): wanted
        for kind in kinds_for(audiences_of(user))
        for channel, wanted in chosen(user, kind).items()
    }


@transaction.atomic
def set_preferences(
    *, user: Any, choices: dict[tuple[str, str], bool], language: str, phone: str
) -> None:
    """Store the user's choices (for their own kinds only) and contact, auditing each change."""
    allowed = preferences_of(user)
    changes: dict[str, list[Any]] = {}
    for (kind, channel), before in allowed.items():
        wanted = choices.get((kind, channel), False)
        if wanted != before:
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, channel=channel, defaults={"enabled": wanted}
            )
            changes[f"{kind}.{channel}"] = [before, wanted]
    contact = NotificationContact.objects.filter(user=user).first()
    old_language = contact.language if contact else settings.LANGUAGE_CODE
    old_phone = contact.phone if contact else ""
    if contact is None or (language, phone) != (old_language, old_phone):
        NotificationContact.objects.update_or_create(
            user=user, defaults={"language": language, "phone": phone}
        )
        if language != old_language:
            changes["language"] = [old_language, language]
        if phone != old_phone:
            changes["phone"] = [old_phone, phone]
    if changes:
        record_audit(
            actor=user,
            action="notification_preferences.changed",
            target=user,
            county=None,
            changes=changes,
        )


def seller_thresholds(user: Any) -> dict[Any, Decimal | None]:
    """The sellers a user works for, each with its own low-stock threshold (None: the default)."""
    sellers = list(user.seller_staff_of.order_by("name", "pk"))
    own = dict(
        StockThreshold.objects.filter(seller__in=sellers, product__isnull=True).values_list(
            "seller_id", "threshold"
        )
    )
    return {seller: own.get(seller.pk) for seller in sellers}


@transaction.atomic
def set_seller_threshold(*, actor: Any, seller: Any, threshold: Decimal | None) -> None:
    """A seller's staff set below how much available stock they are told (None: the default)."""
    if not seller.staff.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("Only the seller's staff set its low-stock threshold."))
    existing = (
        StockThreshold.objects.select_for_update()
        .filter(seller=seller, product__isnull=True)
        .first()
    )
    before = existing.threshold if existing else None
    if before == threshold:
        return
    if threshold is None:
        existing.delete()
    elif existing is not None:
        existing.threshold = threshold
        existing.save(update_fields=["threshold"])
    else:
        StockThreshold.objects.create(seller=seller, threshold=threshold)
    record_audit(
        actor=actor,
        action="stock_threshold.changed",
        target=seller,
        county=seller.county,
        changes={"threshold": [before, threshold]},
    )
