"""Figures a county types in from its statistical yearbook or communiqué (统计公报), by year.

They are the official side of the county accounts page: production-side GDP and the usual
expenditure proxies, each with the source and the definition it was published under, since the
proxies measure something else than the component they stand for (notes/surveys.md §3.1).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from countyhub.catalog.models import Category, Product, Unit
from countyhub.core.models import CountyScoped
from countyhub.core.money import CNY


class Indicator(models.TextChoices):
    GDP = "gdp_production", _("GDP by production (地区生产总值)")
    RETAIL_SALES = "retail_sales", _("Retail sales of consumer goods (社会消费品零售总额)")
    FIXED_ASSET_INVESTMENT = "fixed_asset_investment", _("Fixed-asset investment (固定资产投资)")
    BUDGET_EXPENDITURE = (
        "budget_expenditure",
        _("General public budget expenditure (一般公共预算支出)"),
    )
    CUSTOMS_EXPORTS = "customs_exports", _("Customs exports (出口总额)")
    CUSTOMS_IMPORTS = "customs_imports", _("Customs imports (进口总额)")
    RESIDENT_POPULATION = "resident_population", _("Resident population (常住人口)")
    RURAL_DISPOSABLE_INCOME = (
        "rural_disposable_income",
        _("Rural per-capita disposable income (农村居民人均可支配收入)"),
    )


class FigureUnit(models.TextChoices):
    YUAN = "yuan", _("yuan")
    TEN_THOUSAND_YUAN = "10k_yuan", _("10,000 yuan (万元)")
    HUNDRED_MILLION_YUAN = "100m_yuan", _("100 million yuan (亿元)")
    PERSONS = "persons", _("persons")
    TEN_THOUSAND_PERSONS = "10k_persons", _("10,000 persons (万人)")
    YUAN_PER_PERSON = "yuan_per_person", _("yuan per person")


# How many base units (yuan, persons, yuan per person) one unit is.
UNIT_FACTOR = {
    FigureUnit.YUAN: Decimal(1),
    FigureUnit.TEN_THOUSAND_YUAN: Decimal(10_000),
    FigureUnit.HUNDRED_MILLION_YUAN: Decimal(100_000_000),
    FigureUnit.PERSONS: Decimal(1),
    FigureUnit.TEN_THOUSAND_PERSONS: Decimal(10_000),
    FigureUnit.YUAN_PER_PERSON: Decimal(1),
}
MONEY_UNITS = (FigureUnit.YUAN, FigureUnit.TEN_THOUSAND_YUAN, FigureUnit.HUNDRED_MILLION_YUAN)
PEOPLE_UNITS = (FigureUnit.PERSONS, FigureUnit.TEN_THOUSAND_PERSONS)
# Which units make sense for each indicator: a figure in the wrong kind of unit is refused.
ALLOWED_UNITS: dict[str, tuple[str, ...]] = {
    Indicator.RESIDENT_POPULATION: PEOPLE_UNITS,
    Indicator.RURAL_DISPOSABLE_INCOME: (FigureUnit.YUAN_PER_PERSON,),
}
# What each figure really measures, shown when the county gives no definition of its own.
STANDARD_DEFINITIONS = {
    Indicator.GDP: _("Value added of all resident units, production side, current prices."),
    Indicator.RETAIL_SALES: _(
        "Goods sold to individuals and institutions for non-productive use, plus catering; "
        "counted where the seller is (includes sales to non-residents). A proxy for C."
    ),
    Indicator.FIXED_ASSET_INVESTMENT: _(
        "Projects above the reporting threshold, land included, inventories excluded. "
        "A proxy for I."
    ),
    Indicator.BUDGET_EXPENDITURE: _(
        "Includes transfers and capital spending; government consumption is only part of it. "
        "A proxy for G."
    ),
    Indicator.CUSTOMS_EXPORTS: _("Foreign trade only; trade with other counties is not in it."),
    Indicator.CUSTOMS_IMPORTS: _("Foreign trade only; trade with other counties is not in it."),
    Indicator.RESIDENT_POPULATION: _("People living in the county for six months or more."),
    Indicator.RURAL_DISPOSABLE_INCOME: _(
        "Household survey: wages, net business, property and transfer income per rural resident."
    ),
}


def allowed_units(indicator: str) -> tuple[str, ...]:
    return ALLOWED_UNITS.get(indicator, MONEY_UNITS)


class YearbookFigure(CountyScoped):
    """One published figure of one county and year; typed in again, it is replaced (audited)."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1949), MaxValueValidator(2100)]
    )
    indicator = models.CharField(_("indicator"), max_length=40, choices=Indicator.choices)
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=20, choices=FigureUnit.choices)
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Where the figure is published, e.g. 2023年国民经济和社会发展统计公报."),
    )
    definition = models.CharField(
        _("definition"),
        max_length=500,
        blank=True,
        help_text=_("What the figure covers, if it differs from the standard definition."),
    )

    class Meta:
        verbose_name = _("yearbook figure")
        verbose_name_plural = _("yearbook figures")
        ordering = ["-year", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "indicator"], name="yearbook_figure_unique"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="yearbook_figure_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.year} {self.get_indicator_display()}"

    @property
    def base_value(self) -> Decimal:
        """The value in yuan, persons or yuan per person, whatever unit it was typed in."""
        return self.value * UNIT_FACTOR[FigureUnit(self.unit)]

    @property
    def shown_definition(self) -> str:
        return self.definition or str(STANDARD_DEFINITIONS[Indicator(self.indicator)])


class EvaluationLevel(models.TextChoices):
    VILLAGE = "village", _("villages of the county")
    COUNTY = "county", _("counties of the province")


class Rollout(models.TextChoices):
    STATION = "station", _("first village service station opened")
    TRAINING = "training", _("first training attended")
    SELLER = "seller", _("first seller joined the platform")
    DESIGNATION = "designation", _("demonstration county designation")


class ComparisonGroup(models.TextChoices):
    NEVER = "never", _("never treated")
    NOT_YET = "notyet", _("never or not yet treated")


class EstimationMethod(models.TextChoices):
    """Each group-time cell's estimator when covariates are given (R did's ``est_method``)."""

    DOUBLY_ROBUST = "dr", _("doubly robust")
    REGRESSION = "reg", _("outcome regression")
    IPW = "ipw", _("inverse probability weighting")


class EvaluationRun(CountyScoped):
    """A staggered DiD on one of the platform's panels (impact.panels), run as a background job.

    The panel is built when the run is started and kept (``panel_csv``), so the job, a download
    and a repeat all read exactly the data the run was made on (``data_sha256``)."""

    level = models.CharField(_("units"), max_length=20, choices=EvaluationLevel.choices)
    rollout = models.CharField(_("rollout"), max_length=20, choices=Rollout.choices)
    outcome = models.CharField(_("outcome"), max_length=40)
    control = models.CharField(
        _("comparison group"), max_length=20, choices=ComparisonGroup.choices
    )
    covariates = models.JSONField(
        _("covariates"),
        default=list,
        blank=True,
        help_text=_("Columns of the panel the DiD conditions on (their base-period values)."),
    )
    method = models.CharField(
        _("estimation method"),
        max_length=10,
        choices=EstimationMethod.choices,
        default=EstimationMethod.DOUBLY_ROBUST,
    )
    seed = models.BigIntegerField(_("seed"))
    panel_csv = models.TextField(_("panel (CSV)"))
    panel_notes = models.JSONField(_("how the panel was built"), default=list)
    data_sha256 = models.CharField(_("data SHA-256"), max_length=64)
    countyhub_version = models.CharField(_("countyhub version"), max_length=40)
    job = models.OneToOneField(
        "core.Job", on_delete=models.PROTECT, related_name="evaluation_run", verbose_name=_("job")
    )
    results = models.JSONField(_("results"), default=dict, blank=True)
    figure_svg = models.TextField(_("event-study plot"), blank=True)
    report_html = models.TextField(_("HTML report"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("program evaluation run")
        verbose_name_plural = _("program evaluation runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"DiD #{self.pk}"


class ReferencePrice(CountyScoped):
    """A price the county observed in its own shops or markets in a year, for a product
    category or one product, per unit: what villagers would pay without the platform (the
    living-costs comparison of impact.living_costs). Several places may be observed for one
    item and year; the comparison uses their mean."""

    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1949), MaxValueValidator(2100)]
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    price = models.DecimalField(_("price (yuan per unit)"), max_digits=12, decimal_places=2)
    # Observed in the county, so always yuan; kept with the price as money is everywhere.
    currency = models.CharField(_("currency"), max_length=3, default=CNY, editable=False)
    place = models.CharField(
        _("where observed"),
        max_length=200,
        help_text=_("The market or shop, e.g. 县城农贸市场 or 县城超市."),
    )
    source = models.CharField(
        _("source"),
        max_length=300,
        help_text=_("Who observed it and how, e.g. 县发改委价格监测 or our own price survey."),
    )

    class Meta:
        verbose_name = _("reference price")
        verbose_name_plural = _("reference prices")
        # No ordering across relations: save_with_audit locks the row (SELECT ... FOR UPDATE),
        # which PostgreSQL refuses on the nullable side of an outer join.
        ordering = ["-year", "place", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__isnull=True, product__isnull=False)
                | Q(category__isnull=False, product__isnull=True),
                name="reference_price_category_or_product",
            ),
            models.CheckConstraint(condition=Q(price__gt=0), name="reference_price_positive"),
            models.CheckConstraint(condition=Q(currency=CNY), name="reference_price_in_yuan"),
            models.UniqueConstraint(
                fields=["county", "year", "category", "place"],
                condition=Q(product__isnull=True),
                name="reference_price_category_unique",
            ),
            models.UniqueConstraint(
                fields=["county", "year", "product", "place"],
                condition=Q(category__isnull=True),
                name="reference_price_product_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county} {self.year} {self.item_name} {self.price}/{self.unit}"

    @property
    def item_name(self) -> str:
        return str(self.product or self.category)

    def clean(self) -> None:
        if (self.category_id is None) == (self.product_id is None):
            raise ValidationError(_("Give a category or a product, not both."))
        for related in (self.category, self.product):
            if related is not None and related.county_id != self.county_id:
                raise ValidationError(_("The category or product is not of this county."))
