"""Exchange rates, HS codes, products' trade data, producers' export compliance, trade parties,
export orders (one per shop order, the rate frozen), their lines, receipt status history and
numbered documents."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Product, Seller
from countyhub.core.models import County, CountyScoped, KeptForGood, TimestampedModel
from countyhub.customs import codelists
from countyhub.customs.currencies import format_amount
from countyhub.customs.declaration import Mode, StatisticsFlag
from countyhub.customs.errors import CodeListError, CurrencyError, HSCodeError, PartyCodeError
from countyhub.customs.hs import parse_hs
from countyhub.customs.parties import validate_party_code
from countyhub.shop.models import Order, OrderLine

ISO_CURRENCY = RegexValidator(r"^[A-Z]{3}$", _("Three capital letters, e.g. USD."))
ISO_COUNTRY = RegexValidator(r"^[A-Z]{2}$", _("Two capital letters, e.g. US."))
FOUR_DIGITS = RegexValidator(r"^\d{4}$", _("Four digits."))


def validate_hs(value: str) -> None:
    try:
        parse_hs(value)
    except HSCodeError as error:
        raise ValidationError(str(error)) from error


def validate_customs_currency(value: str) -> None:
    try:
        codelists.customs_currency(value)
    except CurrencyError as error:
        raise ValidationError(str(error)) from error


def validate_customs_country(value: str) -> None:
    try:
        codelists.customs_country(value)
    except CodeListError as error:
        raise ValidationError(str(error)) from error


def validate_customs_unit(value: str) -> None:
    if value and value not in codelists.units():
        raise ValidationError(
            _("%(value)s is not a customs unit code (e.g. 035 kilogram)."), params={"value": value}
        )


# Money and weights as the customs messages carry them: 19 digits, 5 after the point.
def _decimal5(verbose_name: str | object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=19, decimal_places=5, **kwargs)  # type: ignore[arg-type]


class RateSource(models.TextChoices):
    PBOC = "pboc", _("PBOC central parity")
    ECB = "ecb", _("ECB reference rate")
    CUSTOMS = "customs", _("customs monthly rate")
    MANUAL = "manual", _("entered by hand")


class ExchangeRate(TimestampedModel):
    """How many CNY one unit of a currency is worth on a day, by a source."""

    currency = models.CharField(
        _("currency"), max_length=3, validators=[ISO_CURRENCY, validate_customs_currency]
    )
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=20, choices=RateSource.choices)
    rate = models.DecimalField(
        _("CNY per unit"),
        max_digits=18,
        decimal_places=8,
        validators=[MinValueValidator(Decimal("0.00000001"))],
    )

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date", "source"], name="exchange_rate_unique_per_day"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date} {self.rate}"


class HSCode(TimestampedModel):
    """One line of China's commodity codes, valid from a day (tariffs change each 1 January)."""

    code = models.CharField(
        _("HS code"),
        max_length=10,
        validators=[RegexValidator(r"^\d{10}$", _("Ten digits.")), validate_hs],
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=250)
    name_en = models.CharField(_("English name"), max_length=250, blank=True)
    unit1 = models.CharField(_("legal unit"), max_length=3, validators=[validate_customs_unit])
    unit2 = models.CharField(
        _("second legal unit"), max_length=3, blank=True, validators=[validate_customs_unit]
    )
    # Licence letters of the tariff (A import, B export declaration, 4 export licence ...).
    supervision_conditions = models.CharField(
        _("supervision conditions"), max_length=20, blank=True
    )
    # Inspection categories such as "P.R/Q.S": Q or S means quarantine or food hygiene on exit.
    inspection_category = models.CharField(_("inspection category"), max_length=20, blank=True)
    export_duty = models.BooleanField(_("export duty"), default=False)
    # The declaration elements (申报要素) of the heading, joined by "|".
    declaration_elements = models.TextField(_("declaration elements"), blank=True)

    class Meta:
        verbose_name = _("HS code")
        verbose_name_plural = _("HS codes")
        ordering = ["code", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="hscode_unique_from"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="hscode_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def needs_inspection(self) -> bool:
        """Exit quarantine (Q) or food hygiene (S) inspection: a compliance record is needed."""
        exit_part = self.inspection_category.split("/")[-1]
        return "Q" in exit_part or "S" in exit_part

    @property
    def needs_licence(self) -> bool:
        """An export licence letter among the conditions (anything but A and B declarations)."""
        return any(letter not in "AB" for letter in self.supervision_conditions)


class PartyRole(models.TextChoices):
    PLATFORM = "platform", _("e-commerce platform")
    ECOMMERCE = "ecommerce", _("e-commerce enterprise")
    LOGISTICS = "logistics", _("logistics enterprise")
    PAYMENT = "payment", _("payment enterprise")
    AGENT = "agent", _("customs broker")
    PRODUCER = "producer", _("producer")
    BONDED_WAREHOUSE = "bonded_warehouse", _("bonded-zone warehouse")


class TradeParty(CountyScoped):
    """A party of export declarations, with the code customs knows it by."""

    role = models.CharField(_("role"), max_length=20, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # 10-character customs code or 18-character unified social credit code; "无" for a foreign
    # platform without either.
    code = models.CharField(_("customs code or USCC"), max_length=18)
    is_foreign = models.BooleanField(_("foreign"), default=False)
    telephone = models.CharField(_("telephone"), max_length=50, blank=True)
    dxp_id = models.CharField(_("data exchange (DXP) id"), max_length=30, blank=True)
    # The producer is one of the county's sellers (the cooperative or farm).
    seller = models.ForeignKey(
        Seller,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="trade_parties",
        verbose_name=_("seller"),
    )

    class Meta:
        verbose_name = _("trade party")
        verbose_name_plural = _("trade parties")
        ordering = ["role", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "role", "code"], name="tradeparty_code_unique_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        super().clean()
        allow_no_code = self.role == PartyRole.PLATFORM and self.is_foreign
        try:
            self.code = validate_party_code(self.code, allow_no_code=allow_no_code)
        except PartyCodeError as error:
            raise ValidationError({"code": str(error)}) from error
        if self.role == PartyRole.PRODUCER and self.seller_id is None:
            raise ValidationError({"seller": _("A producer is one of the county's sellers.")})


class ProductTradeData(TimestampedModel):
    """What customs and a forwarder need to know about a product that leaves the country."""

    product = models.OneToOneField(
        Product, on_delete=models.CASCADE, related_name="trade_data", verbose_name=_("product")
    )
    hs_code = models.CharField(
        _("HS code"),
        max_length=13,
        validators=[validate_hs],
        help_text=_("10 digits, optionally followed by the 3-digit CIQ code; as text."),
    )
    declared_name_zh = models.CharField(_("declared name (Chinese)"), max_length=250)
    declared_name_en = models.CharField(_("declared name (English)"), max_length=250)
    gmodel = models.CharField(
        _("declaration elements"),
        max_length=250,
        help_text=_("The HS heading's declaration elements, joined by |."),
    )
    origin_country = models.CharField(
        _("country of origin"), max_length=2, default="CN", validators=[ISO_COUNTRY]
    )
    origin_county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="+", verbose_name=_("county of origin")
    )
    producer = models.ForeignKey(
        TradeParty,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("producer"),
        limit_choices_to={"role": PartyRole.PRODUCER},
    )
    customs_unit = models.CharField(
        _("customs unit"), max_length=3, validators=[validate_customs_unit]
    )
    net_weight = models.DecimalField(
        _("net weight per unit (kg)"),
        max_digits=12,
        decimal_places=5,
        validators=[MinValueValidator(Decimal("0.00001"))],
    )
    gross_weight = models.DecimalField(
        _("gross weight per unit (kg)"),
        max_digits=12,
        decimal_places=5,
        validators=[MinValueValidator(Decimal("0.00001"))],
    )
    length_cm = models.DecimalField(_("length (cm)"), max_digits=8, decimal_places=1)
    width_cm = models.DecimalField(_("width (cm)"), max_digits=8, decimal_places=1)
    height_cm = models.DecimalField(_("height (cm)"), max_digits=8, decimal_places=1)

    class Meta:
        verbose_name = _("trade data")
        verbose_name_plural = _("trade data")
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_weight__gte=F("net_weight")),
                name="tradedata_gross_at_least_net",
            ),
            models.CheckConstraint(
                condition=Q(net_weight__gt=0), name="tradedata_net_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(length_cm__gt=0) & Q(width_cm__gt=0) & Q(height_cm__gt=0),
                name="tradedata_dimensions_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.hs_code}"

    def clean(self) -> None:
        super().clean()
        if (
            self.gross_weight is not None
            and self.net_weight is not None
            and self.gross_weight < self.net_weight
        ):
            raise ValidationError(
                {"gross_weight": _("The gross weight cannot be less than the net weight.")}
            )
        if self.hs_code:
            with contextlib.suppress(HSCodeError):  # the field's validator says why
                self.hs_code = parse_hs(self.hs_code).full

    @property
    def gcode(self) -> str:
        return self.hs_code[:10]

    @property
    def volume_m3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm / Decimal(1_000_000)


class ComplianceKind(models.TextChoices):
    FOOD_PRODUCER_FILING = "food_producer_filing", _("export food producer filing")
    RAW_MATERIAL_BASE = "raw_material_base_filing", _("raw material base filing")
    ORCHARD = "orchard_registration", _("orchard registration")
    PACKING_HOUSE = "packing_house_registration", _("packing house registration")
    PHYTOSANITARY = "phytosanitary_certificate", _("phytosanitary certificate")
    HEALTH = "health_certificate", _("health certificate")


class ComplianceRecord(CountyScoped):
    """A producer's filing, registration or certificate for exports: which destinations and
    which products (HS codes or their leading digits) it covers, until when."""

    producer = models.ForeignKey(
        TradeParty,
        on_delete=models.PROTECT,
        related_name="compliance_records",
        verbose_name=_("producer"),
        limit_choices_to={"role": PartyRole.PRODUCER},
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ComplianceKind.choices)
    number = models.CharField(_("number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    # ISO 3166 alpha-2 codes separated by spaces; empty: every destination.
    destinations = models.CharField(_("destinations"), max_length=200, blank=True)
    # HS codes or leading digits (e.g. 0902) separated by spaces; empty: every product.
    hs_codes = models.CharField(_("products (HS codes)"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("export compliance record")
        verbose_name_plural = _("export compliance records")
        ordering = ["producer", "kind", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gte=F("issued_on")), name="compliance_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def covers(self, *, destination: str, hs_code: str, day: datetime.date) -> bool:
        if not self.issued_on <= day <= self.expires_on:
            return False
        destinations = self.destinations.upper().split()
        if destinations and destination.upper() not in destinations:
            return False
        prefixes = self.hs_codes.split()
        return not prefixes or any(hs_code.startswith(prefix) for prefix in prefixes)


class Incoterm(models.TextChoices):
    EXW = "EXW", "EXW"
    FCA = "FCA", "FCA"
    FOB = "FOB", "FOB"
    CFR = "CFR", "CFR"
    CIF = "CIF", "CIF"
    DAP = "DAP", "DAP"
    DDP = "DDP", "DDP"


# The incoterms under which the seller pays the main carriage, and the insurance: the invoice
# total then includes freight (and insurance).
INCOTERMS_WITH_FREIGHT = frozenset({"CFR", "CIF", "DAP", "DDP"})
INCOTERMS_WITH_INSURANCE = frozenset({"CIF", "DDP"})


class ExportOrder(CountyScoped):
    """The export side of one shop order: mode, parties, destination, transport, packages and
    weights, and the exchange rate frozen when it was made (never recomputed)."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="export", verbose_name=_("order")
    )
    mode = models.CharField(
        _("supervision mode"), max_length=4, choices=[(m.value, m.value) for m in Mode]
    )
    statistics_flag = models.CharField(
        _("declaration type"),
        max_length=1,
        choices=[
            (StatisticsFlag.SIMPLIFIED.value, _("simplified (A)")),
            (StatisticsFlag.SUMMARY.value, _("summary (B)")),
        ],
        default=StatisticsFlag.SUMMARY.value,
    )
    wants_vat_rebate = models.BooleanField(_("VAT rebate wanted"), default=True)
    # The platform's order number, or for 9810 the overseas-warehouse booking note's.
    external_order_no = models.CharField(_("platform order number"), max_length=60)
    cop_no = models.CharField(_("our list number"), max_length=30, unique=True)
    currency = models.CharField(
        _("currency"), max_length=3, validators=[ISO_CURRENCY, validate_customs_currency]
    )
    fx_rate = models.DecimalField(
        _("exchange rate (CNY per unit)"), max_digits=18, decimal_places=8
    )
    fx_source = models.CharField(_("rate source"), max_length=20, choices=RateSource.choices)
    fx_date = models.DateField(_("rate date"))
    incoterm = models.CharField(_("incoterm"), max_length=3, choices=Incoterm.choices)
    incoterm_place = models.CharField(_("named place"), max_length=100)
    platform = models.ForeignKey(
        TradeParty,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("e-commerce platform"),
    )
    ecommerce = models.ForeignKey(
        TradeParty,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("e-commerce enterprise"),
    )
    logistics = models.ForeignKey(
        TradeParty,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logistics enterprise"),
    )
    payment = models.ForeignKey(
        TradeParty, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment enterprise")
    )
    agent = models.ForeignKey(
        TradeParty, on_delete=models.PROTECT, related_name="+", verbose_name=_("customs broker")
    )
    producer = models.ForeignKey(
        TradeParty, on_delete=models.PROTECT, related_name="+", verbose_name=_("producer")
    )
    bonded_warehouse = models.ForeignKey(
        TradeParty,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("bonded-zone warehouse"),
    )
    ems_no = models.CharField(_("bonded account book"), max_length=30, blank=True)
    consignee_name = models.CharField(_("consignee"), max_length=100)
    consignee_address = models.CharField(_("consignee address"), max_length=300)
    destination = models.CharField(
        _("destination country"), max_length=2, validators=[ISO_COUNTRY, validate_customs_country]
    )
    pod = models.CharField(_("port of destination code"), max_length=4)
    customs_code = models.CharField(_("declaring customs"), max_length=4, validators=[FOUR_DIGITS])
    port_code = models.CharField(_("exit port customs"), max_length=4, validators=[FOUR_DIGITS])
    export_date = models.DateField(_("export date"))
    traf_mode = models.CharField(
        _("transport mode"), max_length=1, choices=[(c, c) for c in "0123456789"]
    )
    traf_name = models.CharField(_("vessel or flight"), max_length=100, blank=True)
    bill_no = models.CharField(_("bill of lading"), max_length=37, blank=True)
    wrap_type = models.CharField(
        _("package type"), max_length=1, choices=[(c, c) for c in "1234567"]
    )
    pack_no = models.PositiveIntegerField(_("packages"), validators=[MinValueValidator(1)])
    gross_weight = _decimal5(_("gross weight (kg)"))
    net_weight = _decimal5(_("net weight (kg)"))
    freight = _decimal5(_("freight"), default=Decimal(0))
    freight_currency = models.CharField(
        _("freight currency"), max_length=3, validators=[validate_customs_currency]
    )
    insured_fee = _decimal5(_("insurance"), default=Decimal(0))
    insurance_currency = models.CharField(
        _("insurance currency"), max_length=3, validators=[validate_customs_currency]
    )
    logistics_no = models.CharField(_("waybill number"), max_length=32)
    goods_info = models.CharField(_("goods description for the carrier"), max_length=200)
    pay_no = models.CharField(_("payment number"), max_length=60, blank=True)
    paid_at = models.DateTimeField(_("paid at"))
    marks = models.CharField(_("shipping marks"), max_length=200, blank=True)
    # Customs' numbers, from the receipts.
    pre_no = models.CharField(_("pre-entry number"), max_length=18, blank=True)
    invt_no = models.CharField(_("customs list number"), max_length=20, blank=True)
    # The latest receipt status (DeclarationStatus keeps the history); 0: not yet declared.
    status = models.IntegerField(_("customs status"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("export order")
        verbose_name_plural = _("export orders")
        ordering = ["-export_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_weight__gte=F("net_weight")),
                name="exportorder_gross_at_least_net",
            ),
            models.CheckConstraint(condition=Q(fx_rate__gt=0), name="exportorder_rate_positive"),
            models.CheckConstraint(condition=Q(pack_no__gte=1), name="exportorder_packages"),
            models.CheckConstraint(
                condition=Q(freight__gte=0) & Q(insured_fee__gte=0),
                name="exportorder_fees_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.order.number

    @property
    def seller(self) -> Seller:
        return self.order.seller

    @property
    def goods_total(self) -> Decimal:
        return sum((line.line_total for line in self.lines.all()), Decimal(0))

    @property
    def invoice_total(self) -> Decimal:
        """Goods, plus freight and insurance where the incoterm puts them on the seller (the
        fees count only when in the order's currency, as the invoice states them)."""
        total = self.goods_total
        if self.incoterm in INCOTERMS_WITH_FREIGHT and self.freight_currency == self.currency:
            total += self.freight
        if self.incoterm in INCOTERMS_WITH_INSURANCE and self.insurance_currency == self.currency:
            total += self.insured_fee
        return total


class ExportOrderLine(models.Model):
    """A line of an export order: the shop line in the order's currency (unit price rounded,
    then times quantity) and the product's trade data as it was declared."""

    export_order = models.ForeignKey(
        ExportOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("export order")
    )
    order_line = models.OneToOneField(
        OrderLine,
        on_delete=models.PROTECT,
        related_name="export_line",
        verbose_name=_("order line"),
    )
    gnum = models.PositiveSmallIntegerField(_("line number"))
    item_no = models.CharField(_("item number"), max_length=20)
    hs_code = models.CharField(_("HS code"), max_length=10)
    name_zh = models.CharField(_("declared name (Chinese)"), max_length=250)
    name_en = models.CharField(_("declared name (English)"), max_length=250)
    gmodel = models.CharField(_("declaration elements"), max_length=250)
    origin_country = models.CharField(_("country of origin"), max_length=2)
    unit = models.CharField(_("customs unit"), max_length=3)
    unit1 = models.CharField(_("legal unit"), max_length=3)
    unit2 = models.CharField(_("second legal unit"), max_length=3, blank=True)
    bar_code = models.CharField(_("barcode"), max_length=50, blank=True)
    quantity = _decimal5(_("quantity"))
    unit_price = _decimal5(_("unit price"))
    line_total = _decimal5(_("line total"))
    net_weight = _decimal5(_("net weight (kg)"))
    gross_weight = _decimal5(_("gross weight (kg)"))
    volume_m3 = models.DecimalField(_("volume (m³)"), max_digits=12, decimal_places=6)

    class Meta:
        verbose_name = _("export order line")
        verbose_name_plural = _("export order lines")
        ordering = ["export_order", "gnum"]
        constraints = [
            models.UniqueConstraint(fields=["export_order", "gnum"], name="exportline_gnum_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="exportline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gnum} {self.name_en}"

    @property
    def unit_price_text(self) -> str:
        """The unit price in the order currency's own minor units (4.310 KWD, 2100 JPY)."""
        return format_amount(self.unit_price, self.export_order.currency)

    @property
    def line_total_text(self) -> str:
        return format_amount(self.line_total, self.export_order.currency)


class ReceiptStatus(models.IntegerChoices):
    """The customs receipt codes of the specification (§2.12); negative codes are errors."""

    EPORT_DRAFT = 1, _("saved at the e-port")
    DECLARING = 2, _("declaring")
    SENT = 3, _("sent to customs")
    SEND_FAILED = 4, _("sending failed")
    REJECTED = 100, _("rejected by customs")
    ACCEPTED = 120, _("accepted into customs")
    MANUAL_REVIEW = 300, _("manual review")
    CONCLUDED = 399, _("review concluded")
    INSPECTION = 500, _("inspection")
    RELEASED = 800, _("released")
    CLOSED = 899, _("closed")


def receipt_status_label(code: int) -> str:
    if code < 0:
        return str(_("processing error (%(code)s)") % {"code": code})
    if code == 0:
        return str(_("not declared yet"))
    try:
        return str(ReceiptStatus(code).label)
    except ValueError:
        return str(code)


def validate_receipt_code(value: int) -> None:
    if value >= 0 and value not in ReceiptStatus.values:
        raise ValidationError(
            _("%(value)s is not a receipt status code of the specification."),
            params={"value": value},
        )


class StatusSource(models.TextChoices):
    ENTERED = "entered", _("entered by hand")
    RECEIPT = "receipt", _("receipt message")


class DeclarationStatus(KeptForGood):
    """One receipt status of an export order's declaration, entered or read from a receipt."""

    export_order = models.ForeignKey(
        ExportOrder,
        on_delete=models.CASCADE,
        related_name="statuses",
        verbose_name=_("export order"),
    )
    code = models.IntegerField(_("status code"), validators=[validate_receipt_code])
    at = models.DateTimeField(_("when"))
    source = models.CharField(_("source"), max_length=10, choices=StatusSource.choices)
    message_type = models.CharField(_("message"), max_length=10, blank=True)
    info = models.CharField(pgettext_lazy("receipt", "information"), max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("declaration status")
        verbose_name_plural = _("declaration statuses")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.export_order} {self.code}"

    @property
    def label(self) -> str:
        return receipt_status_label(self.code)


class SummaryApplication(CountyScoped):
    """A 9610 summary application (CEB701) of one e-commerce enterprise, declaring customs and
    month, as customs answered it (CEB702 receipts): its numbers and latest status. The
    application itself is generated from the month's export orders each time it is asked for;
    this row exists from its first receipt."""

    cop_no = models.CharField(_("our application number"), max_length=30, unique=True)
    ecommerce = models.ForeignKey(
        TradeParty,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("e-commerce enterprise"),
    )
    customs_code = models.CharField(_("declaring customs"), max_length=4)
    month = models.DateField(_("month"))  # its first day
    pre_no = models.CharField(_("pre-entry number"), max_length=18, blank=True)
    sum_no = models.CharField(_("summary application number"), max_length=18, blank=True)
    # The status of the latest receipt (by customs' time); SummaryStatus keeps the history.
    status = models.IntegerField(_("customs status"), default=0)

    class Meta:
        verbose_name = _("summary application")
        verbose_name_plural = _("summary applications")
        ordering = ["-month", "cop_no"]

    def __str__(self) -> str:
        return self.cop_no

    @property
    def status_label(self) -> str:
        return receipt_status_label(self.status)


class SummaryStatus(KeptForGood):
    """One CEB702 receipt of a summary application."""

    application = models.ForeignKey(
        SummaryApplication,
        on_delete=models.CASCADE,
        related_name="statuses",
        verbose_name=_("summary application"),
    )
    code = models.IntegerField(_("status code"), validators=[validate_receipt_code])
    at = models.DateTimeField(_("when"))
    info = models.CharField(pgettext_lazy("receipt", "information"), max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )

    class Meta:
        verbose_name = _("summary application status")
        verbose_name_plural = _("summary application statuses")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.code}"

    @property
    def label(self) -> str:
        return receipt_status_label(self.code)


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("commercial invoice")
    PACKING_LIST = "packing_list", _("packing list")


class DocumentSequence(models.Model):
    """The last number of a seller's documents of a kind in a year: numbers without gaps."""

    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("document number sequence")
        verbose_name_plural = _("document number sequences")
        constraints = [
            models.UniqueConstraint(fields=["seller", "kind", "year"], name="docseq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} {self.kind} {self.year}: {self.last}"


class ExportDocument(KeptForGood, TimestampedModel):
    """A commercial invoice or packing list issued for an export order, with its number."""

    export_order = models.ForeignKey(
        ExportOrder,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("export order"),
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    number = models.CharField(_("number"), max_length=40)
    issued_on = models.DateField(_("issued on"))

    class Meta:
        verbose_name = _("export document")
        verbose_name_plural = _("export documents")
        ordering = ["export_order", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["export_order", "kind"], name="exportdoc_one_per_kind"),
            models.UniqueConstraint(
                fields=["seller", "kind", "year", "serial"], name="exportdoc_serial_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.number
