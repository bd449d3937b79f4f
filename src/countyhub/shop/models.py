"""Buyers' delivery defaults, checkouts, orders and their lines, events, payments, shipments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Household, Product, Seller
from countyhub.core.models import County, CountyScoped, KeptForGood, TimestampedModel
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
    # Arrived at the village service station, waiting for the buyer with the pickup code.
    AT_STATION = "at_station", _("ready for pickup")
    DELIVERED = "delivered", _("delivered")
    COMPLETED = "completed", pgettext_lazy("order status", "completed")
    CANCELLED = "cancelled", _("cancelled")
    REFUNDED = "refunded", _("refunded")
    # Not collected at the station: the parcel went back to the seller, its goods to stock.
    RETURNED = "returned", _("returned to the seller")


# Statuses in which a station order still waits for its buyer: its pickup code must be unique
# among these at its station.
PICKUP_OPEN = (
    OrderStatus.PLACED,
    OrderStatus.PAID,
    OrderStatus.PACKED,
    OrderStatus.SHIPPED,
    OrderStatus.AT_STATION,
)


class BuyerKind(models.TextChoices):
    """Who buys, for the county accounts: a household's purchase is consumption (C), a
    government unit's is G or I, an enterprise's or cooperative's is I or an input."""

    HOUSEHOLD = "household", _("household")
    GOVERNMENT = "government", _("government unit")
    ENTERPRISE = "enterprise", _("enterprise")
    COOPERATIVE = "cooperative", _("cooperative")


class PurchaseUse(models.TextChoices):
    """What a buyer declares a purchase is for (blank: not declared)."""

    FINAL = "final", _("own use or consumption")
    CAPITAL = "capital", _("equipment or construction")
    INTERMEDIATE = "intermediate", _("input to production")
    INVENTORY = "inventory", _("stock for resale")


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
    # Blank on accounts from before it was asked: counted as a household (docs/accounts.md).
    buyer_kind = models.CharField(
        _("buyer kind"), max_length=20, choices=BuyerKind.choices, blank=True
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


class Order(KeptForGood, CountyScoped):
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
    # What was given back so far (shop.services.orders.record_refund): every figure of sales
    # counts `total - refunded_total`; a whole refund also makes the order REFUNDED.
    refunded_total = models.DecimalField(
        _("refunded"), max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    currency = models.CharField(_("currency"), max_length=3, default=CNY)
    # CNY per unit of `currency`, frozen when the order was placed (1 for a yuan order), with the
    # rate's source and date: every yuan figure of a foreign-currency order uses it, never a
    # later rate. Null: the order's day had no rate; its figures stay in its own currency.
    fx_rate = models.DecimalField(
        _("exchange rate (CNY per unit)"),
        max_digits=18,
        decimal_places=8,
        null=True,
        blank=True,
        default=Decimal(1),
    )
    fx_source = models.CharField(_("rate source"), max_length=20, blank=True)
    fx_date = models.DateField(_("rate date"), null=True, blank=True)
    # The buyer's kind when the order was placed (copied from the buyer profile) and the use the
    # buyer declared; blank on older orders, classified by the documented fallback.
    buyer_kind = models.CharField(
        _("buyer kind"), max_length=20, choices=BuyerKind.choices, blank=True
    )
    purchase_use = models.CharField(
        _("purchase use"), max_length=20, choices=PurchaseUse.choices, blank=True
    )
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
    # A station order's pickup code (set at placement by shop.services.station_desk), shown to
    # the buyer and asked by the operator at hand-over; wrong tries are counted and limited.
    pickup_code = models.CharField(_("pickup code"), max_length=6, blank=True)
    pickup_failures = models.PositiveSmallIntegerField(_("wrong pickup codes"), default=0)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=(Q(currency=CNY) & Q(fx_rate=1))
                | (~Q(currency=CNY) & (Q(fx_rate__isnull=True) | Q(fx_rate__gt=0))),
                name="order_fx_rate_valid",
            ),
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0) & Q(refunded_total__lte=F("total")),
                name="order_refunded_within_total",
            ),
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
            models.UniqueConstraint(
                fields=["station", "pickup_code"],
                condition=Q(status__in=PICKUP_OPEN) & ~Q(pickup_code=""),
                name="order_pickup_code_unique_at_station",
            ),
        ]
        indexes = [
            models.Index(fields=["seller", "status"], name="order_seller_status"),
            # The seller's order list: newest first, searched and filtered within one seller.
            models.Index(fields=["seller", "-placed_at"], name="order_seller_placed"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_assisted(self) -> bool:
        """Placed by a station operator on behalf of a villager."""
        return bool(self.placed_for_name)

    @property
    def awaits_pickup(self) -> bool:
        """A station order whose buyer has yet to collect it with the pickup code."""
        return bool(self.pickup_code) and self.status in PICKUP_OPEN

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


class OrderEvent(KeptForGood):
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


class Payment(KeptForGood, TimestampedModel):
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


class Refund(KeptForGood, TimestampedModel):
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


class StationHandover(models.Model):
    """A station parcel handed to its buyer: who handed it over, and the cash taken for it.

    Written once by shop.services.station_desk.hand_over; the cash differs from the amount due
    only with a reason. County staff hand over without the code only with a reason too."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="handover", verbose_name=_("order")
    )
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        related_name="handovers",
        verbose_name=_("village service station"),
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("handed over by")
    )
    handed_over_at = models.DateTimeField(_("handed over at"), db_index=True)
    cash_due = models.DecimalField(_("cash due"), max_digits=12, decimal_places=2)
    cash_collected = models.DecimalField(_("cash collected"), max_digits=12, decimal_places=2)
    difference_reason = models.CharField(_("reason for the difference"), max_length=300, blank=True)
    # Set when county staff confirmed the hand-over instead of the station's operator.
    staff_reason = models.CharField(_("why staff confirmed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("station hand-over")
        verbose_name_plural = _("station hand-overs")
        ordering = ["handed_over_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cash_collected__gte=0), name="handover_cash_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(cash_collected=models.F("cash_due")) | ~Q(difference_reason=""),
                name="handover_difference_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} @ {self.station}"

    @property
    def difference(self) -> Decimal:
        return self.cash_collected - self.cash_due


class StationDay(models.Model):
    """A station operator's closed day: what the station received, handed over and returned,
    the cash taken and counted. Immutable: a correction is a new record that `corrects` it."""

    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        related_name="days",
        verbose_name=_("village service station"),
    )
    # The calendar day in the county's time zone (settings.TIME_ZONE).
    day = models.DateField(_("day"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("closed by")
    )
    closed_at = models.DateTimeField(_("closed at"))
    received = models.PositiveIntegerField(_("parcels received"))
    handed_over = models.PositiveIntegerField(_("parcels handed over"))
    returned = models.PositiveIntegerField(_("parcels returned"))
    cash_due = models.DecimalField(_("cash due"), max_digits=12, decimal_places=2)
    cash_collected = models.DecimalField(_("cash collected"), max_digits=12, decimal_places=2)
    # What the operator counted in the till, and why it differs from what was collected.
    cash_counted = models.DecimalField(_("cash counted"), max_digits=12, decimal_places=2)
    difference_reason = models.CharField(_("reason for the difference"), max_length=300, blank=True)
    corrects = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrected_by",
        verbose_name=_("corrects"),
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("station day")
        verbose_name_plural = _("station days")
        ordering = ["-day", "-closed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "day"],
                condition=Q(corrects__isnull=True),
                name="station_day_closed_once",
            ),
            models.CheckConstraint(
                condition=Q(cash_counted=models.F("cash_collected")) | ~Q(difference_reason=""),
                name="station_day_difference_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="station_day_correction_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.day}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A closed day is a record of what was handed over: it is never rewritten.
        if not self._state.adding:
            raise ValidationError(_("A closed station day cannot be changed; correct it."))
        super().save(*args, **kwargs)

    @property
    def difference(self) -> Decimal:
        return self.cash_counted - self.cash_collected


class StationDayLineKind(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("parcel", "received")
    HANDED_OVER = "handed_over", _("handed over")
    RETURNED = "returned", _("returned to the seller")


class StationDayLine(models.Model):
    """One parcel of a closed station day, as it stood at the close."""

    station_day = models.ForeignKey(
        StationDay, on_delete=models.PROTECT, related_name="lines", verbose_name=_("station day")
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=20, choices=StationDayLineKind.choices)
    seller_name = models.CharField(_("seller"), max_length=200)
    cash_due = models.DecimalField(_("cash due"), max_digits=12, decimal_places=2, default=0)
    cash_collected = models.DecimalField(
        _("cash collected"), max_digits=12, decimal_places=2, default=0
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("station day line")
        verbose_name_plural = _("station day lines")
        ordering = ["kind", "pk"]

    def __str__(self) -> str:
        return f"{self.station_day} {self.kind} {self.order}"


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
