"""The 832 platform (脱贫地区农副产品网络销售平台): supplier qualification, the budget units that
buy there with their reserved shares, and their procurement orders (see notes/channels.md §4).

A seller supplies through 832 only from a county flagged as an 832 county, once a county
department has recommended it and while its documents (business licence, food licence or filing,
evidence of linking farmers) are valid. Budget units file each year a reserved share of their
canteen food purchases, at least the regional minimum.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Seller
from countyhub.core.documents import private_storage
from countyhub.core.models import County, CountyScoped, TimestampedModel
from countyhub.core.money import quantize_cny

# The national floor of the reserved share (财库〔2019〕41号 and the yearly notices).
NATIONAL_MINIMUM_PERCENT = Decimal(10)

region_code = RegexValidator(r"^\d{6}$", _("A GB/T 2260 code: six digits."))


class Gov832County(TimestampedModel):
    """A county's standing on the 832 platform."""

    county = models.OneToOneField(
        County, on_delete=models.CASCADE, related_name="gov832", verbose_name=_("county")
    )
    is_832_county = models.BooleanField(
        _("832 county"),
        default=False,
        help_text=_("Only sellers of an 832 (former national poverty) county supply on 832."),
    )

    class Meta:
        verbose_name = _("832 county setting")
        verbose_name_plural = _("832 county settings")

    def __str__(self) -> str:
        return str(self.county)


class Recommendation(TimestampedModel):
    """A county department's recommendation of a seller to the platform (双部门推荐)."""

    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        related_name="gov832_recommendations",
        verbose_name=_("seller"),
    )
    department = models.CharField(_("department"), max_length=100)
    recommended_on = models.DateField(_("recommended on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("832 recommendation")
        verbose_name_plural = _("832 recommendations")
        ordering = ["-recommended_on", "pk"]

    def __str__(self) -> str:
        return f"{self.seller}: {self.department}"


class DocumentKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("business licence")
    FOOD_LICENCE = "food_licence", _("food production licence or filing")
    FARMER_LINKING = "farmer_linking", _("evidence of linking farmers")


class QualificationDocument(TimestampedModel):
    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        related_name="gov832_documents",
        verbose_name=_("seller"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    number = models.CharField(_("document number"), max_length=60)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))

    class Meta:
        verbose_name = _("qualification document")
        verbose_name_plural = _("qualification documents")
        ordering = ["seller_id", "kind", "-valid_until"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="gov832_document_valid_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class ReservedShareMinimum(models.Model):
    """A province's higher floor of the reserved share (Beijing 30 %, Hubei 15 %...)."""

    province_code = models.CharField(
        _("province (GB/T 2260)"), max_length=6, unique=True, validators=[region_code]
    )
    percent = models.DecimalField(
        _("minimum share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(NATIONAL_MINIMUM_PERCENT), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("reserved share minimum")
        verbose_name_plural = _("reserved share minimums")

    def __str__(self) -> str:
        return f"{self.province_code}: {self.percent}%"


def minimum_percent(code: str) -> Decimal:
    """The floor for a unit at region `code`: its province's, never below the national one."""
    province = f"{code[:2]}0000"
    row = ReservedShareMinimum.objects.filter(province_code=province).first()
    return max(row.percent, NATIONAL_MINIMUM_PERCENT) if row else NATIONAL_MINIMUM_PERCENT


class UnitKind(models.TextChoices):
    GOVERNMENT = "government", _("government office")
    SCHOOL = "school", _("school")
    HOSPITAL = "hospital", _("hospital")
    CANTEEN = "canteen", _("canteen")
    OTHER = "other", _("other")


class AdminLevel(models.TextChoices):
    CENTRAL = "central", _("central")
    PROVINCE = "province", _("provincial")
    CITY = "city", _("prefectural")
    COUNTY = "county", _("county level")
    TOWNSHIP = "township", _("township")


class BuyerUnit(CountyScoped):
    """A budget unit buying through 832, followed by the county that sells to it."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    level = models.CharField(_("administrative level"), max_length=20, choices=AdminLevel.choices)
    region_code = models.CharField(_("region (GB/T 2260)"), max_length=6, validators=[region_code])

    class Meta:
        verbose_name = _("budget unit")
        verbose_name_plural = _("budget units")
        ordering = ["county_id", "name"]

    def __str__(self) -> str:
        return self.name


class Reservation(TimestampedModel):
    """A unit's filed share of one year's canteen food purchases reserved for 832."""

    unit = models.ForeignKey(
        BuyerUnit, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    canteen_food_total = models.DecimalField(
        _("canteen food purchases (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    percent = models.DecimalField(
        _("reserved share (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("reserved share")
        verbose_name_plural = _("reserved shares")
        ordering = ["-year", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="gov832_reservation_unique"),
            models.CheckConstraint(
                condition=Q(percent__gte=NATIONAL_MINIMUM_PERCENT) & Q(percent__lte=100),
                name="gov832_reservation_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    def clean(self) -> None:
        if self.unit_id is None:
            return  # the form names the missing unit
        floor = minimum_percent(self.unit.region_code)
        if self.percent is not None and self.percent < floor:
            raise ValidationError(
                {
                    "percent": _("The reserved share must be at least %(floor)s%% here.")
                    % {"floor": floor}
                }
            )

    @property
    def amount(self) -> Decimal:
        return quantize_cny(self.canteen_food_total * self.percent / 100)


class ProcurementStatus(models.TextChoices):
    PLACED = "placed", _("placed")
    SHIPPED = "shipped", _("shipped")
    RECEIVED = "received", pgettext_lazy("goods", "received")
    ACCEPTED = "accepted", _("accepted")
    INVOICED = "invoiced", _("invoiced")
    PAID = "paid", _("paid")
    EVALUATED = "evaluated", _("evaluated")
    DISPUTED = "disputed", _("disputed")


class ProcurementOrder(TimestampedModel):
    """A budget unit's purchase from a seller on 832. The status follows delivery; payment is
    its own date, since a unit may pay first (`paid_at` set while placed) or after the invoice."""

    unit = models.ForeignKey(
        BuyerUnit, on_delete=models.PROTECT, related_name="orders", verbose_name=_("unit")
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="gov832_orders", verbose_name=_("seller")
    )
    number = models.CharField(_("order number on 832"), max_length=64, unique=True)
    placed_on = models.DateField(_("placed on"))
    amount = models.DecimalField(
        _("amount (CNY)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProcurementStatus.choices,
        default=ProcurementStatus.PLACED,
    )
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    acceptance_record = models.FileField(
        _("acceptance record"), upload_to="gov832/", blank=True, storage=private_storage
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    dispute_reason = models.CharField(_("reason of the dispute"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("procurement order")
        verbose_name_plural = _("procurement orders")
        ordering = ["-placed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="gov832_order_amount_positive"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="gov832_order_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return self.number
