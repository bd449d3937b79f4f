"""After-sales (售后): a buyer's request to get money back for some or all of an order's lines,
the seller's answer, the goods' way back, the county's decision on a dispute, and the refund.

The money itself is a `shop.Refund`, made through the order's payment provider; each step is an
`OrderEvent` (kind "aftersale.<status>") and an audit entry, written by `aftersales.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Seller, Unit
from countyhub.core.models import CountyScoped
from countyhub.core.money import CNY
from countyhub.shop.models import Order, OrderLine, Refund


class RequestKind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("refund only (keep or never got the goods)")
    RETURN_AND_REFUND = "return_and_refund", _("return the goods and refund")


class Reason(models.TextChoices):
    NOT_RECEIVED = "not_received", _("goods not received")
    DAMAGED = "damaged", _("damaged or spoiled")
    NOT_AS_DESCRIBED = "not_as_described", _("not as described")
    MISSING = "missing", _("fewer than ordered")
    CHANGED_MIND = "changed_mind", _("no longer wanted")
    OTHER = "other", pgettext_lazy("reason", "other")


class RequestStatus(models.TextChoices):
    REQUESTED = "requested", _("waiting for the seller")
    RETURN_REQUESTED = "return_requested", _("seller asks for the goods back")
    RETURN_SHIPPED = "return_shipped", _("goods on their way back")
    AGREED = "agreed", _("agreed, refund on its way")
    REFUSED = "refused", _("refused by the seller")
    ESCALATED = "escalated", _("with the county")
    REFUNDED = "refunded", _("refunded")
    CLOSED = "closed", pgettext_lazy("after-sales", "closed")


# Requests still in progress: an order has at most one at a time.
OPEN_STATUSES = (
    RequestStatus.REQUESTED,
    RequestStatus.RETURN_REQUESTED,
    RequestStatus.RETURN_SHIPPED,
    RequestStatus.AGREED,
    RequestStatus.REFUSED,
    RequestStatus.ESCALATED,
)


class AfterSaleRequest(CountyScoped):
    """One request; `deadline_at` is when its current step times out (see the deadlines job)."""

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="aftersales", verbose_name=_("order")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="aftersales", verbose_name=_("seller")
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="aftersales",
        verbose_name=_("buyer"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    goods_received = models.BooleanField(_("goods received"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    description = models.TextField(_("description"), max_length=1000, blank=True)
    # Only aftersales.services assigns this, writing an order event and an audit entry.
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RequestStatus.choices,
        default=RequestStatus.REQUESTED,
        db_index=True,
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default=CNY)
    deadline_at = models.DateTimeField(_("answer due by"), null=True, blank=True, db_index=True)
    seller_note = models.CharField(_("seller's answer"), max_length=300, blank=True)
    return_address = models.CharField(_("return address"), max_length=300, blank=True)
    return_carrier = models.CharField(_("return carrier"), max_length=60, blank=True)
    return_tracking = models.CharField(_("return tracking number"), max_length=60, blank=True)
    county_note = models.CharField(_("county's decision"), max_length=300, blank=True)
    refund = models.OneToOneField(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="aftersale",
        verbose_name=_("refund"),
    )

    class Meta:
        verbose_name = _("after-sales request")
        verbose_name_plural = _("after-sales requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="aftersale_amount_positive"),
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(
                    status__in=[
                        "requested",
                        "return_requested",
                        "return_shipped",
                        "agreed",
                        "refused",
                        "escalated",
                    ]
                ),
                name="aftersale_one_open_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AfterSaleLine(models.Model):
    request = models.ForeignKey(
        AfterSaleRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("request")
    )
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("order line")
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("after-sales line")
        verbose_name_plural = _("after-sales lines")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="aftersale_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_line.product_name} × {self.quantity}"

    @property
    def unit_label(self) -> str:
        unit = self.order_line.unit
        return str(Unit(unit).label) if unit in Unit.values else unit


class AfterSalePhoto(models.Model):
    request = models.ForeignKey(
        AfterSaleRequest, on_delete=models.CASCADE, related_name="photos", verbose_name=_("request")
    )
    image = models.ImageField(_("photo"), upload_to="aftersales/%Y/%m/")

    class Meta:
        verbose_name = _("after-sales photo")
        verbose_name_plural = _("after-sales photos")

    def __str__(self) -> str:
        return self.image.name
