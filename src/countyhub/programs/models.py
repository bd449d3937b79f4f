"""Programs and their funds, spending (maker-checker), tasks, incentive rules, payout runs and the
payout ledger and KPI targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.models import Category, Seller
from countyhub.core.documents import private_storage
from countyhub.core.models import CountyScoped, KeptForGood, TimestampedModel, refuse_deletion
from countyhub.core.money import CNY

# The national demonstration program's default: 20 million CNY of central funds per county.
NATIONAL_CENTRAL_FUNDS = Decimal("20000000.00")


def money_field(verbose_name: str, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


class ProgramLevel(models.TextChoices):
    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")
    COUNTY = "county", pgettext_lazy("program level", "county")


class Program(CountyScoped):
    """A demonstration program a county takes part in, e.g. NRECDP."""

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(
        pgettext_lazy("program", "level"), max_length=20, choices=ProgramLevel.choices
    )
    designation_year = models.PositiveSmallIntegerField(_("year of designation"))
    central_funds = money_field(_("central funds"), default=NATIONAL_CENTRAL_FUNDS)
    local_matching = money_field(_("local matching funds"), default=Decimal("0.00"))
    currency = models.CharField(_("currency"), max_length=3, default=CNY)
    agricultural_categories = models.ManyToManyField(
        Category, blank=True, verbose_name=_("categories counted as agricultural")
    )

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["-designation_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(central_funds__gte=0) & Q(local_matching__gte=0),
                name="program_funds_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.designation_year})"

    @property
    def total_funds(self) -> Decimal:
        return self.central_funds + self.local_matching


class SpendingKind(models.TextChoices):
    CURRENT = "current", _("current spending")
    INVESTMENT = "investment", _("investment")


class BudgetLine(TimestampedModel):
    """Public service center, logistics and village stations, training, brand and marketing..."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("program")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("current or investment"), max_length=20, choices=SpendingKind.choices)
    amount = money_field(_("budget"), validators=[MinValueValidator(Decimal("0.00"))])

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["program", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_not_negative"),
            models.UniqueConstraint(fields=["program", "name"], name="budget_line_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class SpendingStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Spending(TimestampedModel):
    """Money paid out of a budget line; a second person approves it (maker-checker)."""

    budget_line = models.ForeignKey(
        BudgetLine,
        on_delete=models.PROTECT,
        related_name="spendings",
        verbose_name=_("budget line"),
    )
    date = models.DateField(_("date"))
    payee = models.CharField(_("payee"), max_length=200)
    description = models.CharField(_("description"), max_length=300, blank=True)
    amount = money_field(_("amount"))
    evidence = models.FileField(
        _("evidence document"), upload_to="spending/", storage=private_storage
    )
    # Only the services in programs.services assign these.
    status = models.CharField(
        _("status"), max_length=20, choices=SpendingStatus.choices, default=SpendingStatus.PENDING
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("spending")
        verbose_name_plural = _("spending")
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="spending_amount_positive"),
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("recorded_by")),
                name="spending_checker_is_not_maker",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.payee} {self.amount}"


class TaskStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")


class Task(TimestampedModel):
    """One line of the detailed work-task list: what, which department, who, by when."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("program")
    )
    title = models.CharField(_("task"), max_length=300)
    department = models.CharField(_("responsible department"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="program_tasks",
        verbose_name=_("owner"),
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", completed_on__isnull=False)
                | (~Q(status="done") & Q(completed_on__isnull=True)),
                name="task_completed_on_iff_done",
            )
        ]

    def __str__(self) -> str:
        return self.title


class TaskNote(TimestampedModel):
    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="notes", verbose_name=_("task")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("author")
    )
    text = models.TextField(_("progress note"))
    evidence = models.FileField(
        _("evidence"), upload_to="tasks/", blank=True, storage=private_storage
    )

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["created_at", "pk"]


class RuleKind(models.TextChoices):
    LOGISTICS_SUBSIDY = "logistics_subsidy", _("logistics subsidy per parcel shipped out")
    SALES_REWARD = "sales_reward", _("sales reward above a monthly threshold")
    TRAINING_STIPEND = "training_stipend", _("stipend for completing a course")
    STARTUP_GRANT = "startup_grant", _("start-up grant for a new online shop")


class IncentiveRule(CountyScoped):
    """A rule the county configures (no code): which facts earn how much, from which budget line.

    Which parameters apply depends on `kind`; `clean()` says which one is missing.
    """

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=RuleKind.choices)
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="rules", verbose_name=_("budget line")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    amount = money_field(
        _("amount per parcel, stipend or grant"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    percent = models.DecimalField(
        _("reward percentage"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    threshold = money_field(
        _("monthly sales threshold"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    cap = money_field(
        _("cap per seller and month"),
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    order_count = models.PositiveIntegerField(_("orders to reach"), null=True, blank=True)
    active = models.BooleanField(pgettext_lazy("rule", "active"), default=True)

    class Meta:
        verbose_name = _("incentive rule")
        verbose_name_plural = _("incentive rules")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="incentive_rule_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name

    REQUIRED = {
        RuleKind.LOGISTICS_SUBSIDY: ("amount",),
        RuleKind.SALES_REWARD: ("percent", "threshold", "cap"),
        RuleKind.TRAINING_STIPEND: ("amount",),
        RuleKind.STARTUP_GRANT: ("amount", "order_count"),
    }

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        for name in self.REQUIRED.get(self.kind, ()):
            if getattr(self, name) in (None, ""):
                label = self._meta.get_field(name).verbose_name
                errors[name] = _("A %(kind)s rule needs “%(field)s”.") % {
                    "kind": self.get_kind_display(),
                    "field": label,
                }
        if self.kind == RuleKind.STARTUP_GRANT and self.order_count == 0:
            errors["order_count"] = _("The number of orders must be at least 1.")
        if (
            self.budget_line_id
            and self.county_id
            and self.budget_line.program.county_id != self.county_id
        ):
            errors["budget_line"] = _("Choose a budget line of this county.")
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The rule cannot end before it starts.")
        if errors:
            raise ValidationError(errors)


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    APPROVED = "approved", _("approved")


class PayoutRunQuerySet(models.QuerySet):
    """A draft is replaced when its month is evaluated again; an approved run is kept for good."""

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(status=RunStatus.APPROVED).exists():
            raise refuse_deletion(self.model)
        return super().delete()

    delete.queryset_only = True  # type: ignore[attr-defined]


class PayoutRun(CountyScoped):
    """The evaluation of every active rule for one month; approving it writes the ledger."""

    objects = PayoutRunQuerySet.as_manager()

    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluated by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)

    class Meta:
        verbose_name = _("payout run")
        verbose_name_plural = _("payout runs")
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "period_start"],
                condition=Q(status="draft"),
                name="payout_run_one_draft_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="payout_run_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_start:%Y-%m} #{self.pk}"

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.status == RunStatus.APPROVED:
            raise refuse_deletion(type(self))
        return super().delete(*args, **kwargs)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines.all()), Decimal("0.00"))


class LineKind(models.TextChoices):
    PAYMENT = "payment", pgettext_lazy("payout", "payment")
    REVERSAL = "reversal", _("reversal")


class PayoutLine(models.Model):
    """One payee's entitlement under one rule for one period, minus what was already paid.

    `facts` keeps what it was computed from (order ids, counts, amounts) so anyone can check it.
    """

    run = models.ForeignKey(
        PayoutRun, on_delete=models.CASCADE, related_name="lines", verbose_name=_("run")
    )
    rule = models.ForeignKey(IncentiveRule, on_delete=models.PROTECT, verbose_name=_("rule"))
    kind = models.CharField(_("kind"), max_length=20, choices=LineKind.choices)
    fact_period = models.DateField(_("period of the facts"))
    payee_key = models.CharField(max_length=60)
    payee_name = models.CharField(_("payee"), max_length=200)
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("seller")
    )
    entitlement = money_field(_("entitlement"))
    already_paid = money_field(_("already paid"))
    amount = money_field(_("amount"))
    facts = models.JSONField(_("facts"), default=dict)
    explanation = models.CharField(_("how it was computed"), max_length=500)
    budget_note = models.CharField(_("budget"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("payout line")
        verbose_name_plural = _("payout lines")
        ordering = ["rule", "fact_period", "payee_name", "pk"]

    def __str__(self) -> str:
        return f"{self.rule} · {self.payee_name} · {self.amount}"


class LedgerEntry(KeptForGood):
    """An approved payout or reversal. Never changed or deleted: a correction is a new entry."""

    county = models.ForeignKey("core.County", on_delete=models.PROTECT, verbose_name=_("county"))
    run = models.ForeignKey(
        PayoutRun, on_delete=models.PROTECT, related_name="entries", verbose_name=_("run")
    )
    line = models.OneToOneField(
        PayoutLine, on_delete=models.PROTECT, related_name="entry", verbose_name=_("line")
    )
    rule = models.ForeignKey(IncentiveRule, on_delete=models.PROTECT, verbose_name=_("rule"))
    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("budget line")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LineKind.choices)
    fact_period = models.DateField(_("period of the facts"))
    payee_key = models.CharField(max_length=60)
    payee_name = models.CharField(_("payee"), max_length=200)
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("seller")
    )
    amount = money_field(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default=CNY)
    booked_at = models.DateTimeField(_("booked at"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("payout ledger")
        ordering = ["booked_at", "pk"]
        indexes = [models.Index(fields=["rule", "payee_key", "fact_period"], name="ledger_key")]

    def __str__(self) -> str:
        return f"{self.booked_at:%Y-%m-%d} {self.payee_name} {self.amount}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("ledger entries are immutable; book a reversal instead")
        super().save(*args, **kwargs)


class Kpi(models.TextChoices):
    ONLINE_SALES = "online_sales", _("online retail sales")
    SALES_OUTSIDE_STOREFRONT = "outside_storefront", _("sales outside the own storefront")
    AGRICULTURAL_SALES = "agricultural_sales", _("online sales of agricultural products")
    ORDERS_OUT = "orders_out", _("orders shipped out of the county")
    ACTIVE_SELLERS = "active_sellers", _("active sellers")
    POOR_REACHED = "poor_reached", _("registered poor households reached")
    VILLAGE_COVERAGE = "village_coverage", _("village coverage (%)")
    PEOPLE_TRAINED = "people_trained", _("people trained")
    TRAINEES_SELLING = "trainees_selling", _("trainees now selling")
    TASKS_ON_TIME = "tasks_on_time", _("tasks done on time (%)")
    PAYOUTS = "payouts", _("incentive payouts")
    FUNDS_SPENT = "funds_spent", _("program funds spent")


class KpiTarget(CountyScoped):
    """The target a county sets itself for one KPI and year (values are computed, never typed)."""

    kpi = models.CharField(_("KPI"), max_length=30, choices=Kpi.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        constraints = [
            models.UniqueConstraint(fields=["county", "kpi", "year"], name="kpi_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kpi_display()} {self.year}: {self.target}"
