"""The notification outbox, what each user chooses to receive, and low-stock thresholds.

A `Notification` row is written inside the business transaction that caused it and delivered
after that transaction commits: a rolled-back order leaves no row and sends nothing, and a failed
delivery never touches the order. The idempotency key makes writing the same message twice a
no-op, so a replayed event or a re-run of the drain command never sends twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Product, Seller
from countyhub.core.models import County


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("text message (SMS)")


class Audience(models.TextChoices):
    BUYER = "buyer", _("as a buyer")
    SELLER = "seller", _("as a seller")
    OPERATOR = "operator", _("as a station operator")


class Kind(models.TextChoices):
    ORDER_PLACED = "order_placed", _("your order was placed")
    ORDER_SHIPPED = "order_shipped", _("your order was shipped")
    READY_FOR_PICKUP = "ready_for_pickup", _("your order is ready at the station")
    REFUND_DECIDED = "refund_decided", _("a decision on your refund request")
    SELLER_NEW_ORDER = "seller_new_order", _("a new order")
    SELLER_REFUND_REQUESTED = "seller_refund_requested", _("a refund request")
    SELLER_LOW_STOCK = "seller_low_stock", _("a product runs low on stock")
    OPERATOR_PARCELS_ARRIVING = (
        "operator_parcels_arriving",
        _("parcels on their way to the station"),
    )


class Status(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("notification", "queued")
    SENT = "sent", pgettext_lazy("notification", "sent")
    FAILED = "failed", pgettext_lazy("notification", "failed")


class Notification(models.Model):
    """One message to one recipient on one channel (the outbox)."""

    county = models.ForeignKey(
        County, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("county")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("user"),
    )
    # The address used: the user's e-mail or phone when it was written, or a villager's phone.
    address = models.CharField(pgettext_lazy("notification", "address"), max_length=254)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    # Values an SMS gateway's registered template is filled with (Aliyun's TemplateParam).
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.address}"


class NotificationPreference(models.Model):
    """A user's choice for one kind on one channel; without a row the kind's default holds."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    enabled = models.BooleanField(_("receive"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "channel"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind} · {self.channel}: {self.enabled}"


class NotificationContact(models.Model):
    """Where and in which language a user is written to (e-mail comes from the account)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_contact",
        verbose_name=_("user"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    phone = models.CharField(
        _("mobile phone for text messages"),
        max_length=30,
        blank=True,
        validators=[
            RegexValidator(r"^\+?[0-9][0-9 -]{4,19}$", _("Give a phone number of digits."))
        ],
    )

    class Meta:
        verbose_name = _("notification contact")
        verbose_name_plural = _("notification contacts")

    def __str__(self) -> str:
        return f"{self.user} · {self.language}"


class StockThreshold(models.Model):
    """Below how much available stock a seller is told: for one product, or (product empty) for
    all of the seller's products without their own threshold."""

    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        related_name="stock_thresholds",
        verbose_name=_("seller"),
    )
    product = models.OneToOneField(
        Product,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="stock_threshold",
        verbose_name=_("product"),
    )
    threshold = models.DecimalField(_("low-stock threshold"), max_digits=12, decimal_places=3)

    class Meta:
        verbose_name = _("low-stock threshold")
        verbose_name_plural = _("low-stock thresholds")
        constraints = [
            models.UniqueConstraint(
                fields=["seller"],
                condition=Q(product__isnull=True),
                name="stock_threshold_one_per_seller",
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=0), name="stock_threshold_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product or self.seller}: {self.threshold}"

    def clean(self) -> None:
        if self.product_id is not None and self.product.seller_id != self.seller_id:
            raise ValidationError({"product": _("This product is another seller's.")})
