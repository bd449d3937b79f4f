"""Sales channels: the own storefront, marketplace shops, the 832 platform, cross-border shops.

One product record and one stock serve every channel: a `Listing` says how a product is offered
on a channel (price in the channel's currency, title, buffer, the platform's id, status), and a
`ChannelOrder` links an order imported from a channel to the ordinary shop order it became.
Orders without a `ChannelOrder` are the own storefront's (shop.Order carries no channel).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from countyhub.catalog.models import Product, Seller
from countyhub.core.models import CountyScoped, TimestampedModel
from countyhub.core.money import CNY
from countyhub.shop.models import Order

currency_code = RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code: three capital letters."))
country_code = RegexValidator(r"^[A-Z]{2}$", _("An ISO 3166 code: two capital letters."))


class ChannelKind(models.TextChoices):
    STOREFRONT = "storefront", _("own storefront")
    MARKETPLACE = "marketplace", _("marketplace shop")
    GOV832 = "gov832", _("832 government procurement platform")
    CROSSBORDER = "crossborder", _("cross-border marketplace")


class Platform(models.TextChoices):
    OWN = "own", _("own storefront")
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin shop")
    FUPIN832 = "fupin832", _("832 platform")
    OTHER = "other", _("other")


class Charm(models.TextChoices):
    """How a converted or marked-up price is rounded for the channel's buyers."""

    NONE = "none", _("to the cent")
    X99 = "x99", _("ending in .99")
    WHOLE = "whole", _("whole yuan")


class Channel(CountyScoped):
    """One outlet of a county's sellers; `code` names it in the API and on the command line."""

    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    currency = models.CharField(
        _("currency"), max_length=3, default=CNY, validators=[currency_code]
    )
    # Where a cross-border channel's buyers are: its products need export compliance for it.
    destination = models.CharField(
        _("destination country"),
        max_length=2,
        blank=True,
        validators=[country_code],
        help_text=_("Cross-border channels: the buyers' country (ISO 3166, e.g. US)."),
    )
    # The price rule gives a listing's price from the product's CNY price: markup, conversion
    # to the channel's currency at the latest rate, rounding to its minor units, price ending.
    markup_percent = models.DecimalField(_("markup (%)"), max_digits=6, decimal_places=2, default=0)
    charm = models.CharField(
        _("price rounding"), max_length=10, choices=Charm.choices, default=Charm.NONE
    )
    default_buffer = models.DecimalField(
        _("default stock buffer"),
        max_digits=12,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Units held back from this channel, so that it cannot sell the last ones."),
    )
    active = models.BooleanField(_("active"), default=True)
    # The account imported orders are booked to as their buyer (the platform's customers are
    # not countyhub users); made at the first import, never able to log in.
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales_channel",
        verbose_name=_("buyer account of imported orders"),
    )

    # Stock push (services.push_stock): every few minutes the sellable quantities that changed
    # are POSTed, signed with the secret (HMAC-SHA256), to an endpoint the county runs or
    # subscribes to (a seller's ERP middleware, a platform bridge). The secret is kept as it is:
    # signing needs it. Only county administrators see it, once, when it is made.
    stock_push_url = models.URLField(
        _("stock push URL"),
        max_length=500,
        blank=True,
        help_text=_("Empty: no stock is pushed. https, or http to a host the server allows."),
    )
    stock_push_secret = models.CharField(
        _("stock push secret"), max_length=64, blank=True, editable=False
    )
    # The last push that sent something: when, the endpoint's HTTP status (None: no answer),
    # what went wrong ("" when every seller's quantities were taken) and how many were taken.
    stock_pushed_at = models.DateTimeField(_("last stock push"), null=True, blank=True)
    stock_push_status = models.PositiveSmallIntegerField(
        _("HTTP status of the last stock push"), null=True, blank=True
    )
    stock_push_error = models.CharField(_("stock push error"), max_length=300, blank=True)
    stock_push_sent = models.PositiveIntegerField(_("quantities pushed"), default=0)
    # One push of a channel at a time (the period's and a "push now"), so that no older
    # quantity reaches the endpoint after a newer one; a push that died frees it at this time.
    stock_push_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")
        ordering = ["county_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["county", "code"], name="channel_code_unique"),
            models.CheckConstraint(
                condition=Q(default_buffer__gte=0), name="channel_default_buffer_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(markup_percent__gt=-100), name="channel_markup_above_minus_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    READY = "ready", _("ready to list")
    LISTED = "listed", _("listed")
    PAUSED = "paused", _("paused")
    REJECTED = "rejected", _("rejected")


class Listing(TimestampedModel):
    """A product as offered on one channel (Saleor's channel listing)."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="listings", verbose_name=_("product")
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="listings", verbose_name=_("channel")
    )
    # In the channel's currency.
    price = models.DecimalField(
        _("price"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    title = models.CharField(
        _("title on the channel"),
        max_length=150,
        blank=True,
        help_text=_("Empty: the product's name."),
    )
    stock_buffer = models.DecimalField(
        _("stock buffer"),
        max_digits=12,
        decimal_places=3,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("Units this channel may not sell: it sells what is available minus these."),
    )
    external_id = models.CharField(_("id on the platform"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    rejection_reason = models.CharField(_("reason of the rejection"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        ordering = ["channel_id", "product__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "channel"], name="listing_unique"),
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~Q(external_id=""),
                name="listing_external_id_unique",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="listing_price_positive"),
            models.CheckConstraint(
                condition=Q(stock_buffer__gte=0), name="listing_buffer_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status=ListingStatus.REJECTED) | ~Q(rejection_reason=""),
                name="listing_rejected_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.channel.code}"

    @property
    def shown_title(self) -> str:
        return self.title or self.product.name


class ChannelOrder(models.Model):
    """An order imported from a channel: the platform's order number, the shop order it became
    and the row it came from. Unique per channel and number, so a file imported twice adds
    nothing."""

    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="orders", verbose_name=_("channel")
    )
    external_id = models.CharField(_("order number on the platform"), max_length=64)
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="channel_order", verbose_name=_("order")
    )
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    # The file's cells (or the API's JSON) as received, header -> text, one entry per row.
    raw = models.JSONField(_("as imported"), default=list)

    class Meta:
        verbose_name = _("channel order")
        verbose_name_plural = _("channel orders")
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="channel_order_external_id_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel.code}:{self.external_id}"


class ImportProfile(TimestampedModel):
    """How one channel's order export names its columns: for each of our fields, the headers
    it may carry (column sets drift, so headers are matched by name, never by position)."""

    channel = models.OneToOneField(
        Channel, on_delete=models.CASCADE, related_name="import_profile", verbose_name=_("channel")
    )
    # {"external_id": ["订单编号", "order_id"], "sku": [...], "gtin": [...], "quantity": [...],
    #  "unit_price": [...], "recipient_name": [...], "address": [...]}
    columns = models.JSONField(_("column headers per field"), default=dict)

    class Meta:
        verbose_name = _("order import profile")
        verbose_name_plural = _("order import profiles")

    def __str__(self) -> str:
        return str(self.channel)


class FeedFormat(models.TextChoices):
    GOOGLE = "google", _("generic feed (Google Merchant Center columns)")
    TAOBAO = "taobao", _("Taobao assistant CSV (GBK)")
    XLSX = "xlsx", _("spreadsheet from a column template")


class FeedTemplate(TimestampedModel):
    """A channel's own columns for one feed format, replacing the built-in ones (platforms
    change their upload templates): a list of {"header", "field", "required", "key"}."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="feed_templates", verbose_name=_("channel")
    )
    format = models.CharField(_("format"), max_length=10, choices=FeedFormat.choices)
    columns = models.JSONField(_("columns"), default=list)

    class Meta:
        verbose_name = _("feed template")
        verbose_name_plural = _("feed templates")
        constraints = [
            models.UniqueConstraint(fields=["channel", "format"], name="feed_template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.channel.code}: {self.format}"


class StockSyncVia(models.TextChoices):
    FILE = "file", _("stock file")
    PUSH = "push", _("stock push")


class StockSync(models.Model):
    """One stock file or push handed to a channel: what it could sell of each product then
    ({product id: quantity}), so the next sync says what changed since. Files and pushes are
    counted apart (`via`): each reaches a different receiver, so each says what changed since
    its own last one."""

    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="stock_syncs", verbose_name=_("channel")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="+", verbose_name=_("seller")
    )
    synced_at = models.DateTimeField(_("synced at"))
    quantities = models.JSONField(_("quantities"), default=dict)
    via = models.CharField(
        _("handed over as"), max_length=10, choices=StockSyncVia.choices, default=StockSyncVia.FILE
    )

    class Meta:
        verbose_name = _("stock sync")
        verbose_name_plural = _("stock syncs")
        ordering = ["-synced_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.channel.code} {self.synced_at:%Y-%m-%d %H:%M}"


# The 832 platform's models live in their own module; imported here so Django finds them.
from countyhub.channels.gov832 import (  # noqa: E402, F401
    BuyerUnit,
    Gov832County,
    ProcurementOrder,
    QualificationDocument,
    Recommendation,
    Reservation,
    ReservedShareMinimum,
)
