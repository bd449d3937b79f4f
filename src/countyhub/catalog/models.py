"""Sellers, households, the 1+N brand, certifications, categories, products and their stock."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.validators import (
    company_prefix_length_error,
    validate_gtin,
    validate_head_birth_year,
)
from countyhub.core.models import CountyScoped, TimestampedModel, Village


class SellerKind(models.TextChoices):
    COOPERATIVE = "cooperative", _("cooperative")
    ENTERPRISE = "enterprise", _("enterprise")
    HOUSEHOLD = "household", _("farmer household")


class Household(CountyScoped):
    """A farmer household; registered-poor data is personal (county staff and analysts only)."""

    head_name = models.CharField(_("head of household"), max_length=100)
    village = models.ForeignKey(Village, on_delete=models.PROTECT, verbose_name=_("village"))
    registered_poor = models.BooleanField(_("registered poor household"), default=False)
    poverty_exit_year = models.PositiveSmallIntegerField(
        _("year of exit from poverty"), null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # Personal data like the head's name; the impact report reads only the head's age band.
    head_birth_year = models.PositiveSmallIntegerField(
        _("head's birth year"),
        null=True,
        blank=True,
        validators=[validate_head_birth_year],
    )
    # Payouts, links and surveys point to a household: one that leaves the register is
    # deactivated (kept for those records), never deleted.
    active = models.BooleanField(pgettext_lazy("household", "active"), default=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["head_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(poverty_exit_year__isnull=True) | Q(registered_poor=True),
                name="household_exit_year_only_if_registered_poor",
            )
        ]

    def __str__(self) -> str:
        return self.head_name


class HouseholdMember(TimestampedModel):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    relation = models.CharField(_("relation to head"), max_length=40, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")

    def __str__(self) -> str:
        return self.name


class Seller(CountyScoped):
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=SellerKind.choices)
    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("village")
    )
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    story = models.TextField(_("producer story"), blank=True)
    story_en = models.TextField(_("producer story in English"), blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    bank_account_name = models.CharField(_("account holder"), max_length=100, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=40, blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="seller_staff_of",
        verbose_name=_("staff"),
    )
    households = models.ManyToManyField(
        Household, through="SellerHousehold", blank=True, verbose_name=_("households")
    )
    # Orders and payouts point to a seller: one that stops selling is deactivated (its
    # products taken off sale), never deleted.
    active = models.BooleanField(pgettext_lazy("seller", "active"), default=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SellerHousehold(TimestampedModel):
    """A household a seller employs or buys from: how registered poor households are reached."""

    class Link(models.TextChoices):
        EMPLOYS = "employs", _("employs")
        BUYS_FROM = "buys_from", _("buys from")

    seller = models.ForeignKey(Seller, on_delete=models.CASCADE, verbose_name=_("seller"))
    household = models.ForeignKey(Household, on_delete=models.CASCADE, verbose_name=_("household"))
    link = models.CharField(_("link"), max_length=20, choices=Link.choices)

    def clean(self) -> None:
        if self._state.adding and self.household_id and not self.household.active:
            raise ValidationError(
                {"household": _("This household has been deactivated; it cannot be linked.")}
            )
        if self._state.adding and self.seller_id and not self.seller.active:
            raise ValidationError(
                {"seller": _("This seller has been deactivated; it cannot be linked.")}
            )

    class Meta:
        verbose_name = _("seller–household link")
        verbose_name_plural = _("seller–household links")
        constraints = [
            models.UniqueConstraint(
                fields=["seller", "household", "link"], name="seller_household_unique"
            )
        ]


class Brand(CountyScoped):
    """1+N: one county public brand (no parent) over N product brands."""

    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"))
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="product_brands",
        verbose_name=_("county public brand"),
    )
    logo = models.ImageField(_("logo"), upload_to="brands/", blank=True)
    story = models.TextField(_("story"), blank=True)
    story_en = models.TextField(_("story in English"), blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["parent_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "slug"], name="brand_slug_unique"),
            models.UniqueConstraint(
                fields=["county"],
                condition=Q(parent__isnull=True),
                name="brand_one_public_brand_per_county",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public_brand(self) -> bool:
        return self.parent_id is None


class Category(CountyScoped):
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["county", "slug"], name="category_slug_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.TextChoices):
    KILOGRAM = "kg", _("kg")
    JIN = "jin", _("jin (500 g)")
    PIECE = "piece", _("piece")
    BOX = "box", _("box")
    BAG = "bag", _("bag")
    BOTTLE = "bottle", _("bottle")


# Farm produce sold by weight may be bought in fractions.
DECIMAL_UNITS = frozenset({Unit.KILOGRAM, Unit.JIN})
UNIT_KILOGRAMS = {Unit.KILOGRAM: Decimal("1"), Unit.JIN: Decimal("0.5")}


class Product(CountyScoped):
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="products", verbose_name=_("seller")
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, related_name="products", verbose_name=_("brand")
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="products", verbose_name=_("category")
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    net_content = models.CharField(_("net content"), max_length=50, blank=True)
    price = models.DecimalField(
        _("price (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, validators=[validate_gtin])
    # The seller's own article number (Taobao's 商家编码 / outer_id): marketplace order reports
    # name products by it, so imported orders find their product (countyhub.channels).
    seller_sku = models.CharField(
        _("seller SKU"),
        max_length=64,
        blank=True,
        help_text=_("Your own article number, as on the marketplaces (商家编码)."),
    )
    # GS1 does not encode the company prefix length in a GTIN; GS1's table (via biip) knows most,
    # and this fills the gaps for EPC URIs and RFID tags (countyhub.gs1.keys.company_prefix_length).
    gs1_company_prefix_length = models.PositiveSmallIntegerField(
        _("GS1 company prefix length"),
        null=True,
        blank=True,
        validators=[MinValueValidator(6), MaxValueValidator(12)],
        help_text=_(
            "How many digits of the GTIN (after its first digit) are your GS1 company prefix, "
            "6 to 12. Needed for RFID tags only when GS1's table does not know it."
        ),
    )
    active = models.BooleanField(pgettext_lazy("product", "active"), default=True)
    # For the county accounts: goods made in the county are local value added; goods brought in
    # and resold are imports. Unknown (None) on products from before it was asked: counted as
    # local by the flows table's documented fallback (docs/accounts.md).
    produced_in_county = models.BooleanField(
        _("produced in the county"),
        null=True,
        blank=True,
        help_text=_("No if the goods are brought in from outside the county and resold."),
    )
    # What one unit weighs packed, for shipping fees; kg and jin weigh themselves when empty.
    shipping_weight = models.DecimalField(
        _("shipping weight per unit (kg)"),
        max_digits=8,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.001"))],
    )

    # Processed or packaged food may be sold only under a food production licence (食品生产许可证,
    # "SC" and 14 digits) or, from a small workshop, its county filing (小作坊登记/备案); fresh
    # produce needs neither. Marketplaces (Taobao's 食品专项) and the 832 platform ask for them.
    processed_food = models.BooleanField(
        _("processed or packaged food"),
        default=False,
        help_text=_(
            "Sold under a food production licence (SC) or a workshop filing; fresh produce is not."
        ),
    )
    food_licence_number = models.CharField(
        _("food production licence number (SC)"),
        max_length=16,
        blank=True,
        validators=[
            RegexValidator(
                r"^SC[0-9]{14}$", _("A food production licence number is SC and 14 digits.")
            )
        ],
    )
    food_filing_number = models.CharField(
        _("food workshop filing number"),
        max_length=50,
        blank=True,
        help_text=_("A small workshop's registration or filing instead of an SC licence."),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="product_price_positive"),
            models.CheckConstraint(
                condition=Q(shipping_weight__isnull=True) | Q(shipping_weight__gt=0),
                name="product_shipping_weight_positive",
            ),
            models.CheckConstraint(
                condition=Q(gs1_company_prefix_length__isnull=True)
                | Q(gs1_company_prefix_length__gte=6, gs1_company_prefix_length__lte=12),
                name="product_gs1_company_prefix_length_6_12",
            ),
            models.UniqueConstraint(
                fields=["seller", "seller_sku"],
                condition=~Q(seller_sku=""),
                name="product_seller_sku_unique_per_seller",
            ),
        ]
        indexes = [models.Index(fields=["county", "active"], name="product_county_active")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        error = company_prefix_length_error(self.gtin, self.gs1_company_prefix_length)
        if error:
            raise ValidationError({"gs1_company_prefix_length": error})

    @property
    def missing_food_licence(self) -> bool:
        """Processed food without its licence or filing: no platform may list it."""
        return self.processed_food and not (self.food_licence_number or self.food_filing_number)

    @property
    def decimal_quantity(self) -> bool:
        return self.unit in DECIMAL_UNITS

    @property
    def unit_weight(self) -> Decimal:
        """Kilograms per unit for shipping: the weight given, else what a kg or jin weighs;
        a piece, box, bag or bottle without a weight counts as nothing beyond the first band."""
        if self.shipping_weight is not None:
            return self.shipping_weight
        return UNIT_KILOGRAMS.get(self.unit, Decimal("0"))


class ProductImage(TimestampedModel):
    """One picture of a product, kept with the sizes the pages show (drawn by
    `catalog.images.add_product_image`); the first by `position` is the product's face."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="images", verbose_name=_("product")
    )
    image = models.ImageField(_("picture"), upload_to="products/")
    thumbnail = models.ImageField(_("thumbnail"), upload_to="products/")
    gallery = models.ImageField(_("gallery picture"), upload_to="products/")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    alt_text = models.CharField(
        _("description"),
        max_length=200,
        blank=True,
        help_text=_("What the picture shows, for people who cannot see it."),
    )
    alt_text_en = models.CharField(_("English description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("product picture")
        verbose_name_plural = _("product pictures")
        ordering = ["product_id", "position", "pk"]
        indexes = [models.Index(fields=["product", "position"], name="productimage_product_pos")]

    def __str__(self) -> str:
        return f"{self.product} #{self.position + 1}"

    @property
    def files(self) -> list[str]:
        return [self.image.name, self.thumbnail.name, self.gallery.name]


class Stock(TimestampedModel):
    """What a seller holds of a product; `allocated` is promised to open orders.

    The database refuses a negative stock or more allocated than held, whatever the code does.
    """

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="stock", verbose_name=_("product")
    )
    quantity = models.DecimalField(_("in stock"), max_digits=12, decimal_places=3, default=0)
    allocated = models.DecimalField(_("allocated"), max_digits=12, decimal_places=3, default=0)

    class Meta:
        verbose_name = _("stock")
        verbose_name_plural = _("stock")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="stock_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated__gte=0), name="stock_allocated_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("quantity")), name="stock_allocated_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.available}"

    @property
    def available(self) -> Decimal:
        return self.quantity - self.allocated


class CertificationKind(models.TextChoices):
    GREEN_FOOD = "green_food", _("green food")
    ORGANIC = "organic", _("organic")
    GEOGRAPHICAL_INDICATION = "geographical_indication", _("geographical indication")
    OTHER = "other", _("other")


class Certification(CountyScoped):
    """A certificate on a product; once `valid_until` passes it stops showing by itself."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="certifications", verbose_name=_("product")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=CertificationKind.choices)
    number = models.CharField(_("certificate number"), max_length=60)
    issuer = models.CharField(pgettext_lazy("certificate", "issuer"), max_length=200)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    document = models.FileField(_("scanned document"), upload_to="certifications/", blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["kind", "valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="certification_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day <= self.valid_until


class ProductSearch(models.Model):
    """A product's words for the storefront search, kept by `catalog.search` whenever the
    product, its brand, seller or category changes (`countyhub manage rebuild_search_index`
    rebuilds them all). Each text holds the words jieba finds in both languages, lower-cased,
    with a space on either side of every word, so that a whole word is found as " word "."""

    product = models.OneToOneField(
        Product,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="search_words",
        verbose_name=_("product"),
    )
    names = models.TextField(_("words of the name"))
    labels = models.TextField(_("words of the brand, seller and category"))
    stories = models.TextField(_("words of the stories"))
    # PostgreSQL only (NULL on SQLite): the three texts weighted A, B, C, under a GIN index that
    # migration 0005 creates there.
    document = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("product search words")
        verbose_name_plural = _("product search words")

    def __str__(self) -> str:
        return str(self.product_id)
