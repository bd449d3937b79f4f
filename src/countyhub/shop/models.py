"""Buyers' delivery defaults, checkouts, orders and their lines, events, payments, shipments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Household, Product, Seller
from countyhub.core.models import County, CountyScoped, TimestampedModel
from countyhub.core.money import CNY
from countyhub.shop.regions import region_label
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
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
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
    # The GB/T 2260 division of a home delivery's address, which its shipping rate matched.
    region_code = models.CharField(_("region code"), max_length=6, blank=True)
    payment_method = models.CharField(
        pgettext_lazy("order", "payment"), max_length=20, choices=PaymentMethod.choices
    )
    # Goods plus shipping_fee: what the buyer pays.
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2)
    shipping_fee = models.DecimalField(
        _("shipping fee"), max_digits=10, decimal_places=2, default=Decimal("0.00")
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
                condition=Q(shipping_fee__gte=0) & Q(shipping_fee__lte=models.F("total")),
                name="order_shipping_fee_within_total",
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

    @property
    def goods_total(self) -> Decimal:
        return self.total - self.shipping_fee


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

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity}"


class OrderEvent(models.Model):
    """One row per status transition, written in the transition's transaction."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=OrderStatus.choices)
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


# GB/T 2260 administrative division codes: 2 digits a province, 4 a prefecture, 6 a county.
validate_region_code = RegexValidator(
    r"^(\d{2}|\d{4}|\d{6})$",
    _("Give a GB/T 2260 division code of 2 (province), 4 (city) or 6 (county) digits."),
)


class ShippingRate(CountyScoped):
    """What a seller charges to ship one order by one delivery method to one region.

    For home delivery, `region_code` is a GB/T 2260 prefix matched against the delivery's
    region (the longest matching prefix wins; empty matches everywhere). Station delivery stays
    in the county, so a station rate has no region. The fee is `first_fee` for up to
    `first_weight` kg, plus `additional_fee` for each further kilogram or part of one; goods
    of `free_above` or more (满额包邮) ship free.
    """

    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="shipping_rates", verbose_name=_("seller")
    )
    delivery_method = models.CharField(_("delivery"), max_length=20, choices=DeliveryMethod.choices)
    region_code = models.CharField(
        _("region code"),
        max_length=6,
        blank=True,
        validators=[validate_region_code],
        help_text=_("Empty for everywhere; 52 a province, 5227 a city, 522701 a county."),
    )
    region_name = models.CharField(_("region"), max_length=100, blank=True)
    first_weight = models.DecimalField(
        _("first weight (kg)"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0.001"))],
    )
    first_fee = models.DecimalField(
        _("first weight fee (CNY)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    additional_fee = models.DecimalField(
        _("fee per additional kg (CNY)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    free_above = models.DecimalField(
        _("free shipping from (CNY)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Orders whose goods reach this amount ship free; empty for never."),
    )

    class Meta:
        verbose_name = _("shipping rate")
        verbose_name_plural = _("shipping rates")
        ordering = ["seller", "delivery_method", "region_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "delivery_method", "region_code"],
                name="shipping_rate_unique_per_region",
            ),
            models.CheckConstraint(
                condition=Q(first_weight__gt=0)
                & Q(first_fee__gte=0)
                & Q(additional_fee__gte=0)
                & (Q(free_above__isnull=True) | Q(free_above__gt=0)),
                name="shipping_rate_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(delivery_method="home") | Q(region_code=""),
                name="shipping_rate_station_has_no_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seller} · {self.get_delivery_method_display()} · {self.destination}"

    @property
    def destination(self) -> str:
        if self.delivery_method == DeliveryMethod.STATION:
            return str(_("village service stations"))
        if not self.region_code:
            return str(_("everywhere"))
        return self.region_name or region_label(self.region_code)
