"""Buyers' delivery defaults, checkouts, orders and their lines, events, payments, shipments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Household, Product, Seller
from countyhub.core.models import County, CountyScoped, TimestampedModel
from countyhub.core.money import CNY
from countyhub.stations.models import Station


class DeliveryMethod(models.TextChoices):
    HOME = "home", _("delivery to home")
    STATION = "station", _("pick up at a village service station")


class PaymentMethod(models.TextChoices):
    CASH_ON_DELIVERY = "cash_on_delivery", _("cash on delivery")
    BANK_TRANSFER = "bank_transfer", _("bank transfer")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("placed")
    PAID = "paid", _("paid")
    PACKED = "packed", pgettext_lazy("order status", "packed")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    COMPLETED = "completed", pgettext_lazy("order status", "completed")
    CANCELLED = "cancelled", _("cancelled")
    REFUNDED = "refunded", _("refunded")


class BuyerProfile(TimestampedModel):
    """A buyer's default delivery, so an order may omit it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="buyer_profile",
        verbose_name=_("user"),
    )
    recipient_name = models.CharField(_("recipient"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    station = models.ForeignKey(
        Station,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("default village service station"),
    )

    class Meta:
        verbose_name = _("buyer profile")
        verbose_name_plural = _("buyer profiles")


class Checkout(TimestampedModel):
    """One submitted checkout; its `Idempotency-Key` replays the first result."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, verbose_name=_("county"))
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("buyer")
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100)
    request_fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"], name="checkout_idempotency_key_unique"
            )
        ]


class Order(CountyScoped):
    """An order from one seller; a cart spanning sellers becomes one order per seller."""

    number = models.CharField(_("order number"), max_length=30, unique=True)
    checkout = models.ForeignKey(
        Checkout, on_delete=models.PROTECT, related_name="orders", verbose_name=_("checkout")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="orders", verbose_name=_("seller")
    )
    # Only the state-transition services in shop.services.orders assign this.
    status = models.CharField(
        _("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    delivery_method = models.CharField(_("delivery"), max_length=20, choices=DeliveryMethod.choices)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("village service station"),
    )
    recipient_name = models.CharField(_("recipient"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30)
    address = models.CharField(_("address"), max_length=300, blank=True)
    payment_method = models.CharField(
        pgettext_lazy("order", "payment"), max_length=20, choices=PaymentMethod.choices
    )
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    # What was given back so far (shop.services.orders.record_refund): every figure of sales
    # counts `total - refunded_total`; a whole refund also makes the order REFUNDED.
    refunded_total = models.DecimalField(
        _("refunded"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(_("currency"), max_length=3, default=CNY)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    # Assisted buying: a station operator (the buyer) orders for a villager without a phone.
    # Set only by services.place_assisted_order, which checks the operator, station and county.
    placed_for_name = models.CharField(_("ordered for"), max_length=100, blank=True)
    placed_for_phone = models.CharField(_("villager's phone"), max_length=30, blank=True)
    placed_for_household = models.ForeignKey(
        Household,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assisted_orders",
        verbose_name=_("villager's household"),
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0) & Q(refunded_total__lte=F("total")),
                name="order_refunded_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(delivery_method="station") | Q(station__isnull=False),
                name="order_station_delivery_has_station",
            ),
            # An order for a villager is picked up at the station, and we can call the villager.
            models.CheckConstraint(
                condition=Q(placed_for_name="")
                | (Q(delivery_method="station") & ~Q(placed_for_phone="")),
                name="order_placed_for_at_station_with_phone",
            ),
            models.CheckConstraint(
                condition=Q(placed_for_household__isnull=True) | ~Q(placed_for_name=""),
                name="order_placed_for_household_has_name",
            ),
        ]
        indexes = [models.Index(fields=["seller", "status"], name="order_seller_status")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_assisted(self) -> bool:
        """Placed by a station operator on behalf of a villager."""
        return bool(self.placed_for_name)


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    product_name = models.CharField(_("product name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=10)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    # Given back after a refund of this line (goods and money); never more than was bought.
    refunded_quantity = models.DecimalField(
        _("refunded quantity"), max_digits=12, decimal_places=3, default=Decimal("0.000")
    )
    refunded_amount = models.DecimalField(
        _("refunded amount"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(refunded_quantity__gte=0) & Q(refunded_quantity__lte=F("quantity")),
                name="order_line_refunded_quantity_within",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("line_total")),
                name="order_line_refunded_amount_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity}"


class OrderEventKind(models.TextChoices):
    """The steps an order event records besides a change of status (whose kind is blank)."""

    REFUND = "refund", _("part refunded")
    AFTERSALE_REQUESTED = "aftersale.requested", _("refund requested")
    AFTERSALE_AGREED = "aftersale.agreed", _("seller agreed to refund")
    AFTERSALE_REFUSED = "aftersale.refused", _("seller refused the refund")
    AFTERSALE_RETURN_REQUESTED = "aftersale.return_requested", _("seller asked for the goods back")
    AFTERSALE_RETURN_SHIPPED = "aftersale.return_shipped", _("buyer sent the goods back")
    AFTERSALE_RETURN_RECEIVED = "aftersale.return_received", _("seller received the goods back")
    AFTERSALE_ESCALATED = "aftersale.escalated", _("buyer asked the county to step in")
    AFTERSALE_WITHDRAWN = "aftersale.withdrawn", _("buyer withdrew the request")
    AFTERSALE_DECIDED_REFUND = "aftersale.decided_refund", _("county decided: refund")
    AFTERSALE_DECIDED_NO_REFUND = "aftersale.decided_no_refund", _("county decided: no refund")
    AFTERSALE_REFUNDED = "aftersale.refunded", _("refund paid")
    AFTERSALE_LAPSED_REQUESTED = (
        "aftersale.lapsed_requested",
        _("seller did not answer in time: to the county"),
    )
    AFTERSALE_LAPSED_RETURN_REQUESTED = (
        "aftersale.lapsed_return_requested",
        _("goods not sent back in time: closed"),
    )
    AFTERSALE_LAPSED_RETURN_SHIPPED = (
        "aftersale.lapsed_return_shipped",
        _("return not confirmed in time: to the county"),
    )
    AFTERSALE_LAPSED_REFUSED = "aftersale.lapsed_refused", _("refusal not disputed in time: closed")


class OrderEvent(models.Model):
    """One row per status transition, written in the transition's transaction; and one per step
    that leaves the status as it is (a refund of some lines, an after-sales step), named by
    `kind` so that notifications can hang off every step."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)
    # Blank for a status transition; else the step, e.g. "refund" or "aftersale.requested".
    kind = models.CharField(_("step"), max_length=40, blank=True, choices=OrderEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("by"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"))

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    RECEIVED = "received", _("received")
    REFUNDED = "refunded", _("refunded")


class Payment(TimestampedModel):
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="payment", verbose_name=_("order")
    )
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=CNY)
    status = models.CharField(
        _("status"), max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    received_at = models.DateTimeField(
        pgettext_lazy("payment", "received at"), null=True, blank=True
    )

    class Meta:
        verbose_name = pgettext_lazy("order", "payment")
        verbose_name_plural = _("payments")


class Refund(TimestampedModel):
    """Money given back for an order, through its payment provider; one row per refund."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=CNY)
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    # The bank transfer's reference or who handed the cash back; a gateway's refund id.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    refunded_at = models.DateTimeField(_("refunded at"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["refunded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.order} −{self.amount}"


class Shipment(TimestampedModel):
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="shipment", verbose_name=_("order")
    )
    carrier = models.CharField(_("carrier"), max_length=60)
    tracking_number = models.CharField(_("tracking number"), max_length=60)
    shipped_at = models.DateTimeField(_("shipped at"))

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
