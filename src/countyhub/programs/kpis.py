"""The county's KPIs, every one computed from platform facts (orders, sellers, households,
stations, certificates, tasks, spending and the payout ledger), never typed in.

`county_kpis` builds plain results (one `KpiValue` per KPI, with its target and a 12-month trend);
the dashboard page, the province view and the PDF report all render these same objects.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from countyhub.catalog.models import Household, SellerHousehold
from countyhub.channels.selectors import outside_storefront
from countyhub.core.models import County, Village
from countyhub.core.months import add_months, month_start
from countyhub.programs.entitlements import orders_shipped_out
from countyhub.programs.models import (
    BudgetLine,
    IncentiveRule,
    Kpi,
    KpiTarget,
    LedgerEntry,
    Program,
    Spending,
    SpendingStatus,
    Task,
    TaskStatus,
)
from countyhub.shop import selectors as shop_selectors
from countyhub.shop.models import OrderLine
from countyhub.shop.selectors import NET_LINE_TOTAL, NET_TOTAL, NOT_SALES
from countyhub.stations.models import Station
from countyhub.training.models import Certificate
from countyhub.training.outcomes import training_outcomes

ZERO = Decimal("0.00")
# The demonstration program's coverage KPI: more than 50% of administrative villages.
DEFAULT_TARGETS = {Kpi.VILLAGE_COVERAGE: Decimal("50")}
MONEY_KPIS = frozenset(
    {
        Kpi.ONLINE_SALES,
        Kpi.SALES_OUTSIDE_STOREFRONT,
        Kpi.AGRICULTURAL_SALES,
        Kpi.PAYOUTS,
        Kpi.FUNDS_SPENT,
    }
)
PERCENT_KPIS = frozenset({Kpi.VILLAGE_COVERAGE, Kpi.TASKS_ON_TIME})


@dataclass(frozen=True)
class KpiValue:
    kpi: str
    value: Decimal
    target: Decimal | None
    trend: list[tuple[str, Decimal]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Kpi(self.kpi).label)

    @property
    def unit(self) -> str:
        if self.kpi in MONEY_KPIS:
            return "money"
        return "percent" if self.kpi in PERCENT_KPIS else "count"

    @property
    def share_of_target(self) -> float | None:
        if not self.target:
            return None
        return float(self.value / self.target)

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        # Coverage must be *more than* the target (the program's "more than 50%").
        if self.kpi == Kpi.VILLAGE_COVERAGE:
            return self.value > self.target
        return self.value >= self.target


@dataclass(frozen=True)
class BudgetUse:
    budget_line: BudgetLine
    spent: Decimal
    paid_out: Decimal

    @property
    def used(self) -> Decimal:
        return self.spent + self.paid_out

    @property
    def remaining(self) -> Decimal:
        return self.budget_line.amount - self.used


@dataclass(frozen=True)
class Dashboard:
    county: County
    year: int
    as_of: datetime.date
    kpis: list[KpiValue]
    budget: list[BudgetUse]
    payouts_by_rule: list[tuple[IncentiveRule, Decimal, int]]

    def kpi(self, key: str) -> KpiValue:
        return next(k for k in self.kpis if k.kpi == key)


def _cents(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _months(as_of: datetime.date, count: int = 12) -> list[datetime.date]:
    first = month_start(add_months(as_of, -(count - 1)))
    return [add_months(first, i) for i in range(count)]


def _series(rows, months: list[datetime.date], *, cumulative_from: Decimal | None = None):
    by_month: dict[datetime.date, Decimal] = defaultdict(Decimal)
    for month, value in rows:
        if month is None:
            continue
        day = month.date() if isinstance(month, datetime.datetime) else month
        by_month[month_start(day)] += Decimal(value or 0)
    series = []
    running = cumulative_from
    for month in months:
        value = by_month.get(month, Decimal(0))
        if running is not None:
            running += value
            value = running
        series.append((f"{month:%Y-%m}", value))
    return series


def _localized_month(field_name: str):
    return TruncMonth(field_name, tzinfo=timezone.get_current_timezone())


def _in_year(queryset, field_name: str, start: datetime.date, end: datetime.date):
    return queryset.filter(**{f"{field_name}__date__gte": start, f"{field_name}__date__lte": end})


def county_kpis(
    *, county: County, year: int | None = None, today: datetime.date | None = None
) -> Dashboard:
    today = today or timezone.localdate()
    year = year or today.year
    start = datetime.date(year, 1, 1)
    end = min(datetime.date(year, 12, 31), today)
    months = _months(end)
    trend_start = months[0]
    targets = dict(DEFAULT_TARGETS) | dict(
        KpiTarget.objects.filter(county=county, year=year).values_list("kpi", "target")
    )
    values: list[KpiValue] = []

    def add(kpi: str, value: Decimal, trend: list[tuple[str, Decimal]]) -> None:
        # Database sums come back with backend-dependent scale; KPIs are shown to the fen.
        values.append(
            KpiValue(
                kpi,
                _cents(value),
                targets.get(kpi),
                [(month, _cents(amount)) for month, amount in trend],
            )
        )

    sales = shop_selectors.sales(county=county)
    recent = _in_year(sales, "placed_at", trend_start, end)
    by_month = recent.annotate(month=_localized_month("placed_at")).values_list("month")
    add(
        Kpi.ONLINE_SALES,
        _in_year(sales, "placed_at", start, end).aggregate(t=Sum(NET_TOTAL))["t"] or ZERO,
        _series(by_month.annotate(v=Sum(NET_TOTAL)).values_list("month", "v"), months),
    )

    # Orders that came in through a marketplace, the 832 platform or a cross-border shop.
    outside = outside_storefront(sales)
    add(
        Kpi.SALES_OUTSIDE_STOREFRONT,
        _in_year(outside, "placed_at", start, end).aggregate(t=Sum(NET_TOTAL))["t"] or ZERO,
        _series(
            _in_year(outside, "placed_at", trend_start, end)
            .annotate(month=_localized_month("placed_at"))
            .values_list("month")
            .annotate(v=Sum(NET_TOTAL))
            .values_list("month", "v"),
            months,
        ),
    )

    categories = Program.agricultural_categories.through.objects.filter(
        program__county=county
    ).values("category_id")
    farm_lines = (
        OrderLine.objects.filter(order__county=county, product__category_id__in=categories)
        .exclude(order__status__in=NOT_SALES)
        .filter(order__fx_rate__isnull=False)
    )  # in yuan
    add(
        Kpi.AGRICULTURAL_SALES,
        _in_year(farm_lines, "order__placed_at", start, end).aggregate(t=Sum(NET_LINE_TOTAL))["t"]
        or ZERO,
        _series(
            _in_year(farm_lines, "order__placed_at", trend_start, end)
            .annotate(month=_localized_month("order__placed_at"))
            .values_list("month")
            .annotate(v=Sum(NET_LINE_TOTAL))
            .values_list("month", "v"),
            months,
        ),
    )

    shipped_out = orders_shipped_out(county)
    add(
        Kpi.ORDERS_OUT,
        Decimal(_in_year(shipped_out, "placed_at", start, end).count()),
        _series(
            _in_year(shipped_out, "placed_at", trend_start, end)
            .annotate(month=_localized_month("placed_at"))
            .values_list("month")
            .annotate(v=Count("pk"))
            .values_list("month", "v"),
            months,
        ),
    )

    add(
        Kpi.ACTIVE_SELLERS,
        Decimal(_in_year(sales, "placed_at", start, end).values("seller_id").distinct().count()),
        _series(
            by_month.annotate(v=Count("seller_id", distinct=True)).values_list("month", "v"),
            months,
        ),
    )

    active_sellers = _in_year(sales, "placed_at", start, end).values("seller_id")
    reached = SellerHousehold.objects.filter(
        household__county=county, household__registered_poor=True, seller_id__in=active_sellers
    )
    reached_trend = []
    for month in months:
        month_sellers = _in_year(sales, "placed_at", month, add_months(month, 1)).values(
            "seller_id"
        )
        reached_trend.append(
            (
                f"{month:%Y-%m}",
                Decimal(
                    SellerHousehold.objects.filter(
                        household__county=county,
                        household__registered_poor=True,
                        seller_id__in=month_sellers,
                    )
                    .values("household_id")
                    .distinct()
                    .count()
                ),
            )
        )
    add(
        Kpi.POOR_REACHED,
        Decimal(reached.values("household_id").distinct().count()),
        reached_trend,
    )

    add(Kpi.VILLAGE_COVERAGE, village_coverage(county), _coverage_trend(county, months))

    certificates = Certificate.objects.filter(
        enrollment__session__course__county=county, revoked=False, issued_on__lte=end
    )
    trainees_before = (
        certificates.filter(issued_on__lt=trend_start)
        .values("enrollment__user_id", "enrollment__member_id")
        .distinct()
        .count()
    )
    add(
        Kpi.PEOPLE_TRAINED,
        Decimal(
            certificates.values("enrollment__user_id", "enrollment__member_id").distinct().count()
        ),
        _series(
            certificates.filter(issued_on__gte=trend_start)
            .annotate(month=TruncMonth("issued_on"))
            .values_list("month")
            .annotate(v=Count("pk"))
            .values_list("month", "v"),
            months,
            cumulative_from=Decimal(trainees_before),
        ),
    )
    outcomes = training_outcomes(county=county, today=end)
    selling = {o.trainee_key for o in outcomes.trainees if o.sells_online}
    add(Kpi.TRAINEES_SELLING, Decimal(len(selling)), [])

    add(Kpi.TASKS_ON_TIME, *_tasks_on_time(county, start, end, months))

    ledger = LedgerEntry.objects.filter(county=county)
    add(
        Kpi.PAYOUTS,
        ledger.filter(fact_period__gte=start, fact_period__lte=end).aggregate(t=Sum("amount"))["t"]
        or ZERO,
        _series(
            ledger.filter(fact_period__gte=trend_start)
            .values_list("fact_period")
            .annotate(v=Sum("amount"))
            .values_list("fact_period", "v"),
            months,
        ),
    )

    budget = budget_use(county)
    spending = Spending.objects.filter(
        budget_line__program__county=county, status=SpendingStatus.APPROVED
    )
    spent_before = (spending.filter(date__lt=trend_start).aggregate(t=Sum("amount"))["t"] or 0) + (
        ledger.filter(fact_period__lt=trend_start).aggregate(t=Sum("amount"))["t"] or 0
    )
    spent_rows = list(
        spending.filter(date__gte=trend_start)
        .annotate(month=TruncMonth("date"))
        .values_list("month")
        .annotate(v=Sum("amount"))
        .values_list("month", "v")
    ) + list(
        ledger.filter(fact_period__gte=trend_start)
        .values_list("fact_period")
        .annotate(v=Sum("amount"))
        .values_list("fact_period", "v")
    )
    add(
        Kpi.FUNDS_SPENT,
        sum((b.used for b in budget), ZERO),
        _series(spent_rows, months, cumulative_from=Decimal(spent_before)),
    )
    return Dashboard(county, year, end, values, budget, payouts_by_rule(county, start, end))


def village_coverage(county: County) -> Decimal:
    """Share (%) of administrative villages with an open service station."""
    total = Village.objects.filter(county=county).count()
    if not total:
        return ZERO
    covered = Station.objects.filter(county=county, active=True).count()
    return (Decimal(100) * covered / total).quantize(Decimal("0.1"))


def _coverage_trend(county: County, months: list[datetime.date]):
    total = Village.objects.filter(county=county).count() or 1
    opened = list(
        Station.objects.filter(county=county, active=True).values_list("opened_on", flat=True)
    )
    trend = []
    for month in months:
        month_end = add_months(month, 1)
        # A station whose opening day is unknown (moved from the old village flag) counts as
        # open all along, as the flag did.
        count = sum(1 for day in opened if day is None or day < month_end)
        trend.append((f"{month:%Y-%m}", (Decimal(100) * count / total).quantize(Decimal("0.1"))))
    return trend


def _tasks_on_time(county: County, start, end, months):
    tasks = Task.objects.filter(program__county=county)

    def share(queryset) -> Decimal:
        due = queryset.count()
        if not due:
            return ZERO
        on_time = queryset.filter(status=TaskStatus.DONE, completed_on__lte=F("deadline")).count()
        return (Decimal(100) * on_time / due).quantize(Decimal("0.1"))

    value = share(tasks.filter(deadline__gte=start, deadline__lte=end))
    trend = [
        (
            f"{month:%Y-%m}",
            share(tasks.filter(deadline__gte=month, deadline__lt=add_months(month, 1))),
        )
        for month in months
    ]
    return value, trend


def budget_use(county: County) -> list[BudgetUse]:
    lines = BudgetLine.objects.filter(program__county=county).select_related("program")
    spent = dict(
        Spending.objects.filter(budget_line__program__county=county, status=SpendingStatus.APPROVED)
        .values_list("budget_line_id")
        .annotate(t=Sum("amount"))
    )
    paid = dict(
        LedgerEntry.objects.filter(county=county)
        .values_list("budget_line_id")
        .annotate(t=Sum("amount"))
    )
    return [
        BudgetUse(line, _cents(spent.get(line.pk)), _cents(paid.get(line.pk)))
        for line in lines.order_by("program_id", "pk")
    ]


def payouts_by_rule(
    county: County, start: datetime.date, end: datetime.date
) -> list[tuple[IncentiveRule, Decimal, int]]:
    rows = (
        LedgerEntry.objects.filter(county=county, fact_period__gte=start, fact_period__lte=end)
        .values_list("rule_id")
        .annotate(total=Sum("amount"), payees=Count("payee_key", distinct=True))
    )
    rules = IncentiveRule.objects.in_bulk([rule_id for rule_id, _t, _p in rows])
    return sorted(
        ((rules[rule_id], total, payees) for rule_id, total, payees in rows),
        key=lambda row: -row[1],
    )


PROVINCE_KPIS = (
    Kpi.ONLINE_SALES,
    Kpi.ORDERS_OUT,
    Kpi.ACTIVE_SELLERS,
    Kpi.POOR_REACHED,
    Kpi.VILLAGE_COVERAGE,
    Kpi.PEOPLE_TRAINED,
)


@dataclass(frozen=True)
class ProvinceRow:
    county: County
    values: dict[str, KpiValue]


def province_view(
    *, year: int, county_ids: list[int] | None, today: datetime.date | None = None
) -> list[ProvinceRow]:
    """The counties side by side on the headline KPIs (aggregates only, nothing personal);
    `county_ids` None: every county."""
    counties = County.objects.order_by("name")
    if county_ids is not None:
        counties = counties.filter(pk__in=county_ids)
    rows = []
    for county in counties:
        dashboard = county_kpis(county=county, year=year, today=today)
        rows.append(ProvinceRow(county, {k: dashboard.kpi(k) for k in PROVINCE_KPIS}))
    return rows


def registered_poor_total(county: County) -> int:
    return Household.objects.filter(county=county, registered_poor=True).count()
