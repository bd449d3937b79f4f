"""Batches (lots), their append-only EPCIS events with hash chain, serialised units, scans, and
the batches each order shipped from."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Product, Seller, Unit
from countyhub.core.models import County, CountyScoped, KeptForGood
from countyhub.gs1.hashing import GENESIS


class TraceProfile(models.Model):
    """A county's identifiers: its division code gives products without a GTIN an internal one
    (docs/identifiers.md); `next_item_number` hands out internal item numbers, never reused."""

    county = models.OneToOneField(
        County, on_delete=models.CASCADE, related_name="trace_profile", verbose_name=_("county")
    )
    # Unique: two counties numbering from one code would hand out the same GTINs and SSCCs.
    division_code = models.CharField(_("administrative division code"), max_length=6, unique=True)
    next_item_number = models.PositiveIntegerField(_("next internal item number"), default=1)
    # Serial references of the county's SSCCs (cases, pallets), handed out in order, never reused.
    next_sscc_serial = models.PositiveIntegerField(_("next SSCC serial reference"), default=1)

    class Meta:
        verbose_name = _("traceability profile")
        verbose_name_plural = _("traceability profiles")

    def __str__(self) -> str:
        return f"{self.county} ({self.division_code})"


class ProductForm(models.TextChoices):
    """What an internal GTIN names: the product as sold, or its unpacked harvest."""

    PACKED = "packed", _("packed product")
    HARVEST = "harvest", _("unpacked harvest")


class ProductIdentifier(models.Model):
    """An internal GTIN, stable forever: for a product that has no GTIN of its own (`packed`),
    and for every traced product's unpacked harvest (`harvest`), the input that packing
    transforms into the packed product."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="trace_identifiers")
    form = models.CharField(max_length=10, choices=ProductForm.choices, default=ProductForm.PACKED)
    item_number = models.PositiveIntegerField()
    gtin = models.CharField(max_length=14, unique=True)

    class Meta:
        verbose_name = _("internal product identifier")
        verbose_name_plural = _("internal product identifiers")
        constraints = [
            models.UniqueConstraint(fields=["product", "form"], name="identifier_product_form")
        ]

    def __str__(self) -> str:
        return self.gtin


class Batch(CountyScoped):
    """A lot of one product from one seller's field or plot."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="batches", verbose_name=_("product")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="batches", verbose_name=_("seller")
    )
    gtin = models.CharField(_("GTIN"), max_length=14)
    # The unpacked harvest's GTIN (same lot number): what is planted, harvested and inspected
    # before packing transforms it into `gtin`. Empty for batches recorded before it existed.
    harvest_gtin = models.CharField(_("harvest GTIN"), max_length=14, blank=True)
    lot = models.CharField(_("lot number"), max_length=20)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    shipped_quantity = models.DecimalField(_("shipped"), max_digits=12, decimal_places=3, default=0)
    production_date = models.DateField(_("production or harvest date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    plot = models.CharField(_("field or plot"), max_length=100)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    # The chain's last link and length, moved forward only by services.append_events.
    chain_head = models.CharField(max_length=64, default=GENESIS)
    event_count = models.PositiveIntegerField(default=0)
    # The version of what the trace page shows, its cache key: append_events moves it with every
    # append, and database triggers (migration 0008) on any other write of this row or of its
    # events (an edit in psql), and never back; so a changed record is never served from cache.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["gtin", "lot"], name="batch_gtin_lot_unique"),
            models.UniqueConstraint(
                fields=["harvest_gtin", "lot"],
                condition=~Q(harvest_gtin=""),
                name="batch_harvest_gtin_lot_unique",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="batch_quantity_positive"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0) & Q(shipped_quantity__lte=F("quantity")),
                name="batch_shipped_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(expiry_date__isnull=True)
                | Q(production_date__isnull=True)
                | Q(expiry_date__gte=F("production_date")),
                name="batch_expiry_after_production",
            ),
        ]
        indexes = [models.Index(fields=["product", "expiry_date"], name="batch_product_expiry")]

    def __str__(self) -> str:
        return f"{self.product} · {self.lot}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("trace:batch", args=[self.pk])

    @property
    def remaining(self):
        return self.quantity - self.shipped_quantity


class SerialisedUnit(models.Model):
    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="units", verbose_name=_("batch")
    )
    serial = models.CharField(_("serial number"), max_length=20)

    class Meta:
        verbose_name = _("serialised unit")
        verbose_name_plural = _("serialised units")
        ordering = ["batch", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "serial"], name="unit_serial_unique")
        ]

    def __str__(self) -> str:
        return self.serial


class IrrigationMethod(models.TextChoices):
    """How a plot was watered, as recorded in the county vocabulary's `irrigationMethod`."""

    DRIP = "drip", _("drip")
    SPRINKLER = "sprinkler", _("sprinkler")
    FLOOD = "flood", _("flood")


class EventKind(models.TextChoices):
    PLANTING = "planting", _("planting")
    FERTILISING = "fertilising", _("fertilising")
    SPRAYING = "spraying", _("spraying")
    IRRIGATION = "irrigation", _("irrigation")
    HIVES_PLACED = "hives_placed", _("hives placed")
    FEEDING = "feeding", _("feeding")
    TREATMENT = "treatment", _("treatment")
    PROCESSING = "processing", _("processing")
    INOCULATION = "inoculation", _("inoculation")
    FRUITING = "fruiting", _("fruiting")
    MAKING = "making", _("making")
    HARVEST = "harvest", _("harvest")
    INSPECTION = "inspection", _("inspection")
    PACKING = "packing", _("packing")
    SHIPPING = "shipping", _("shipping")
    LOGGER_ATTACHED = "logger_attached", _("temperature logger on")
    COLD_CHAIN = "cold_chain", _("cold chain")
    LOGGER_DETACHED = "logger_detached", _("temperature logger off")
    IMPORTED = "imported", _("imported event")
    ERROR_DECLARATION = "error_declaration", _("error declaration")
    CASE_PACKING = "case_packing", _("packing into a case")
    PALLETISING = "palletising", _("packing onto a pallet")
    UNPACKING = "unpacking", _("unpacking")
    RECEIVING = "receiving", _("received at a village station")


class AppendOnlyError(Exception):
    pass


class TraceEvent(KeptForGood):
    """One EPCIS 2.0 event of a batch as recorded: its JSON-LD, hash ID and chain link.

    Append-only: a correction is a new event plus an error declaration, never an edit.
    """

    county = models.ForeignKey(County, on_delete=models.PROTECT, verbose_name=_("county"))
    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="events", verbose_name=_("batch")
    )
    sequence = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("step"), max_length=20, choices=EventKind.choices)
    event_id = models.CharField(_("event ID"), max_length=200)
    event_time = models.DateTimeField(_("event time"), db_index=True)
    document = models.JSONField(_("EPCIS event"))
    namespaces = models.JSONField(default=dict, blank=True)
    event_hash = models.CharField(_("event hash ID"), max_length=100)
    chain_hash = models.CharField(_("chain link"), max_length=64)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("trace event")
        verbose_name_plural = _("trace events")
        ordering = ["batch", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "sequence"], name="event_sequence_unique"),
        ]
        indexes = [
            # An event's rows (one per batch, and its error declaration) are found by its ID.
            models.Index(fields=["event_id"], name="trace_event_id"),
            # The EPCIS query's pages are read in (event time, id) order from a keyset.
            models.Index(fields=["event_time", "id"], name="trace_event_time_keyset"),
        ]

    def __str__(self) -> str:
        return f"{self.batch.lot} #{self.sequence} {self.kind}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AppendOnlyError("trace events are append-only; record a correction instead")
        super().save(*args, **kwargs)


class Scan(models.Model):
    """One opening of a batch's trace page: a single cheap INSERT, so no scan is lost."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="scans")
    scanned_at = models.DateTimeField(db_index=True)
    # Coarse location only (0.1 degree, about 10 km), and only when the scanner sent one.
    latitude = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    longitude = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        indexes = [models.Index(fields=["batch", "scanned_at"], name="scan_batch_time")]

    def __str__(self) -> str:
        return f"{self.batch_id} @ {self.scanned_at:%Y-%m-%d %H:%M}"


class BatchShipment(models.Model):
    """How much of a batch an order line received (first-expiring batch first)."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="shipments", verbose_name=_("batch")
    )
    order = models.ForeignKey(
        "shop.Order", on_delete=models.CASCADE, related_name="batch_shipments"
    )
    order_line = models.ForeignKey(
        "shop.OrderLine", on_delete=models.CASCADE, related_name="batch_shipments"
    )
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("batch shipment")
        verbose_name_plural = _("batch shipments")
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="batch_shipment_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["order_line", "batch"], name="batch_shipment_line_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} -> {self.order_id}: {self.quantity}"


class ContainerLevel(models.TextChoices):
    CASE = "case", _("case")
    PALLET = "pallet", _("pallet")


class Container(CountyScoped):
    """A logistic unit (case or pallet) identified by an SSCC; closed when packed, opened for
    good when unpacked. A case may sit on one pallet (`parent`); pallets sit on nothing."""

    sscc = models.CharField(_("SSCC"), max_length=18, unique=True)
    level = models.CharField(
        pgettext_lazy("container", "level"), max_length=10, choices=ContainerLevel.choices
    )
    # The seller whose goods fill it; empty when county staff put several sellers' goods together.
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="containers",
        verbose_name=_("seller"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("on pallet"),
    )
    packed_at = models.DateTimeField(_("packed at"))
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("packed by"),
    )
    # Where it arrived: a village service station took it in (CBV `receiving`).
    received_at = models.DateTimeField(
        pgettext_lazy("container", "received at"), null=True, blank=True
    )
    received_station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received at station"),
    )
    unpacked_at = models.DateTimeField(_("unpacked at"), null=True, blank=True)
    unpacked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unpacked by"),
    )

    class Meta:
        verbose_name = _("case or pallet")
        verbose_name_plural = _("cases and pallets")
        ordering = ["-packed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=ContainerLevel.values), name="container_level_known"
            ),
            # Only cases go onto pallets, so no container can end up inside itself.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(level=ContainerLevel.CASE),
                name="container_only_cases_have_a_parent",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")), name="container_not_its_own_parent"
            ),
            # An opened container holds nothing and sits on nothing any more.
            models.CheckConstraint(
                condition=Q(unpacked_at__isnull=True)
                | (Q(parent__isnull=True) & Q(unpacked_at__gte=F("packed_at"))),
                name="container_unpacked_after_packing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.sscc}"

    @property
    def is_open(self) -> bool:
        """Still closed around its contents (not yet unpacked)."""
        return self.unpacked_at is None

    def clean(self) -> None:
        """A container goes only onto a pallet, never into itself or anything inside it (the
        database refuses a parent for pallets and a container as its own parent; this also
        covers longer loops, should levels ever nest deeper)."""
        if self.parent_id is None:
            return
        parent = self.parent
        if parent.level != ContainerLevel.PALLET:
            raise ValidationError({"parent": _("A case goes only onto a pallet.")})
        seen = set()
        while parent is not None and parent.pk not in seen:
            if parent.pk == self.pk:
                raise ValidationError(
                    {"parent": _("A container cannot go into itself or into what it holds.")}
                )
            seen.add(parent.pk)
            parent = parent.parent

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("trace:container", args=[self.pk])


class ContainerContent(models.Model):
    """One thing packed into a container: a serialised unit, a quantity of a lot (unserialised
    produce), or a case (on a pallet). `current` turns false when the container is unpacked, and
    the partial unique constraints keep a unit or a case in at most one closed container."""

    container = models.ForeignKey(
        Container, on_delete=models.PROTECT, related_name="contents", verbose_name=_("container")
    )
    # The lot of a unit or of a quantity (kept for units too, so that per-batch queries are plain).
    batch = models.ForeignKey(
        Batch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="container_contents",
        verbose_name=_("batch"),
    )
    unit = models.ForeignKey(
        SerialisedUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="container_contents",
        verbose_name=_("serialised unit"),
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    child = models.ForeignKey(
        Container,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="packed_in",
        verbose_name=_("case"),
    )
    current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("container content")
        verbose_name_plural = _("container contents")
        ordering = ["container", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, batch__isnull=False, quantity__isnull=True)
                    & Q(child__isnull=True)
                )
                | (
                    Q(unit__isnull=True, batch__isnull=False, quantity__gt=0)
                    & Q(child__isnull=True)
                )
                | (
                    Q(unit__isnull=True, batch__isnull=True, quantity__isnull=True)
                    & Q(child__isnull=False)
                ),
                name="content_unit_or_lot_quantity_or_case",
            ),
            models.CheckConstraint(
                condition=~Q(child=F("container")), name="content_not_inside_itself"
            ),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(current=True), name="content_unit_in_one_container"
            ),
            models.UniqueConstraint(
                fields=["child"], condition=Q(current=True), name="content_case_on_one_pallet"
            ),
            models.UniqueConstraint(
                fields=["container", "batch"],
                condition=Q(quantity__isnull=False),
                name="content_one_quantity_row_per_lot",
            ),
        ]
        indexes = [models.Index(fields=["batch", "current"], name="content_batch_current")]

    def __str__(self) -> str:
        if self.child_id:
            return f"{self.container_id} <- case {self.child_id}"
        if self.unit_id:
            return f"{self.container_id} <- unit {self.unit_id}"
        return f"{self.container_id} <- {self.batch_id}: {self.quantity}"
