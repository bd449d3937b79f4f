"""Incentive rules evaluated against platform facts, payout runs, and the payout ledger.

A rule gives each payee an *entitlement* for a month, computed from facts (orders, certificates).
A run pays the difference between the entitlement and what the ledger already holds for the same
rule, payee and month. So re-running a month pays nothing twice, a cancelled order makes the
entitlement smaller and the next run books a reversal, and a late shipment is paid late, once.
Earlier months that were paid are re-checked by every run, which is how corrections arrive.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.catalog.models import Seller, SellerHousehold, SellerKind
from countyhub.core.audit import record_audit
from countyhub.core.models import County
from countyhub.core.money import format_money, quantize_cny
from countyhub.core.permissions import is_county_admin
from countyhub.programs.errors import InvalidTransitionError, ProgramsError
from countyhub.programs.models import (
    BudgetLine,
    IncentiveRule,
    LedgerEntry,
    LineKind,
    PayoutLine,
    PayoutRun,
    RuleKind,
    RunStatus,
)
from countyhub.programs.services import budget_remaining
from countyhub.shop.models import DeliveryMethod, Order, OrderStatus
from countyhub.training.models import Certificate

ZERO = Decimal("0.00")
# How far back a run looks for facts that changed in months nothing was paid for.
CORRECTION_MONTHS = 12
GOODS_LEFT = (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED)
NOT_SALES = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month(day: datetime.date) -> datetime.date:
    return month_start(month_start(day) - datetime.timedelta(days=1))


def orders_shipped_out(county: County) -> QuerySet[Order]:
    """Parcels that left the county: shipped home deliveries whose address is not in the county.

    A delivery to a village service station stays in the county by definition; a home address
    that names the county (e.g. "青山县...") is local too.
    """
    return (
        Order.objects.filter(
            county=county, delivery_method=DeliveryMethod.HOME, status__in=GOODS_LEFT
        )
        .exclude(address__contains=county.name)
        .exclude(address="")
    )


def poor_household_sellers(county: County) -> QuerySet[Seller]:
    """Sellers who are a registered poor household, or employ one."""
    linked = SellerHousehold.objects.filter(household__registered_poor=True)
    employs = linked.filter(link=SellerHousehold.Link.EMPLOYS).values("seller_id")
    are = linked.filter(seller__kind=SellerKind.HOUSEHOLD).values("seller_id")
    return Seller.objects.filter(county=county).filter(Q(pk__in=employs) | Q(pk__in=are))


@dataclass(frozen=True)
class Entitlement:
    payee_key: str
    payee_name: str
    seller_id: int | None
    amount: Decimal
    facts: dict[str, Any]
    explanation: str


def rule_window(
    rule: IncentiveRule, period: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    """The part of the month in which the rule is valid, or None."""
    start = max(month_start(period), rule.valid_from)
    end = month_end(period)
    if rule.valid_until is not None:
        end = min(end, rule.valid_until)
    return (start, end) if start <= end else None


def _orders_in(queryset: QuerySet[Order], start: datetime.date, end: datetime.date):
    return queryset.filter(placed_at__date__gte=start, placed_at__date__lte=end)


def _logistics(rule: IncentiveRule, start, end) -> list[Entitlement]:
    eligible = poor_household_sellers(rule.county)
    orders = _orders_in(orders_shipped_out(rule.county), start, end).filter(seller__in=eligible)
    by_seller: dict[int, list[tuple[int, str]]] = defaultdict(list)
    names = {}
    for order_id, number, seller_id, seller_name in orders.order_by("placed_at", "pk").values_list(
        "pk", "number", "seller_id", "seller__name"
    ):
        by_seller[seller_id].append((order_id, number))
        names[seller_id] = seller_name
    result = []
    for seller_id, parcels in sorted(by_seller.items()):
        amount = quantize_cny(rule.amount * len(parcels))
        result.append(
            Entitlement(
                payee_key=f"seller:{seller_id}",
                payee_name=names[seller_id],
                seller_id=seller_id,
                amount=amount,
                facts={
                    "order_ids": [order_id for order_id, _n in parcels],
                    "order_numbers": [number for _i, number in parcels],
                    "parcels": len(parcels),
                    "amount_per_parcel": str(rule.amount),
                },
                explanation=f"{len(parcels)} × {format_money(rule.amount)} = "
                f"{format_money(amount)}",
            )
        )
    return result


def _sales_reward(rule: IncentiveRule, start, end) -> list[Entitlement]:
    orders = _orders_in(
        Order.objects.filter(county=rule.county).exclude(status__in=NOT_SALES), start, end
    )
    by_seller: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
    names = {}
    for order_id, number, total, seller_id, seller_name in orders.order_by(
        "placed_at", "pk"
    ).values_list("pk", "number", "total", "seller_id", "seller__name"):
        by_seller[seller_id].append((order_id, number, total))
        names[seller_id] = seller_name
    result = []
    for seller_id, rows in sorted(by_seller.items()):
        sales = sum((total for _i, _n, total in rows), ZERO)
        if sales <= rule.threshold:
            continue  # exactly at the threshold earns nothing: the reward is on sales *above* it
        uncapped = quantize_cny((sales - rule.threshold) * rule.percent / 100)
        amount = min(uncapped, rule.cap)
        capped = amount < uncapped
        explanation = (
            f"({format_money(sales)} − {format_money(rule.threshold)}) × {rule.percent}% = "
            f"{format_money(uncapped)}"
        )
        if capped:
            explanation += "; " + _("capped at %(cap)s") % {"cap": format_money(rule.cap)}
        result.append(
            Entitlement(
                payee_key=f"seller:{seller_id}",
                payee_name=names[seller_id],
                seller_id=seller_id,
                amount=amount,
                facts={
                    "order_ids": [i for i, _n, _t in rows],
                    "order_numbers": [n for _i, n, _t in rows],
                    "orders": len(rows),
                    "sales": str(sales),
                    "threshold": str(rule.threshold),
                    "percent": str(rule.percent),
                    "uncapped": str(uncapped),
                    "cap": str(rule.cap),
                    "capped": capped,
                },
                explanation=explanation,
            )
        )
    return result


def _training_stipend(rule: IncentiveRule, start, end) -> list[Entitlement]:
    certificates = Certificate.objects.filter(
        enrollment__session__course__county=rule.county,
        issued_on__gte=start,
        issued_on__lte=end,
        revoked=False,
    ).select_related("enrollment__session__course")
    return [
        Entitlement(
            payee_key=f"certificate:{certificate.pk}",
            payee_name=certificate.trainee_name,
            seller_id=None,
            amount=quantize_cny(rule.amount),
            facts={
                "certificate": certificate.number,
                "course": certificate.enrollment.session.course.title,
                "completed_on": certificate.issued_on.isoformat(),
            },
            explanation=_("certificate %(number)s: %(amount)s")
            % {"number": certificate.number, "amount": format_money(rule.amount)},
        )
        for certificate in certificates.order_by("issued_on", "pk")
    ]


def _startup_grant(rule: IncentiveRule, start, end) -> list[Entitlement]:
    """A shop is new if its first order came on or after the rule's start; the grant falls in the
    month of its N-th order (cancelled and refunded orders do not count). It is one-off because
    only that one month earns it: if a cancellation moves the N-th order to a later month, the
    grant is reversed in the first month and paid in the later one."""
    sales = Order.objects.filter(county=rule.county).exclude(status__in=NOT_SALES)
    first_orders = Order.objects.filter(county=rule.county).values("seller_id")
    old_shops = first_orders.filter(placed_at__date__lt=rule.valid_from)
    candidates = (
        sales.filter(placed_at__date__lte=end)
        .exclude(seller_id__in=old_shops)
        .values_list("seller_id", flat=True)
        .distinct()
    )
    result = []
    for seller_id in sorted(set(candidates)):
        key = f"seller:{seller_id}"
        rows = list(
            sales.filter(seller_id=seller_id)
            .order_by("placed_at", "pk")
            .values_list("pk", "number", "placed_at", "seller__name")[: rule.order_count]
        )
        if len(rows) < rule.order_count:
            continue
        reached_on = timezone.localtime(rows[-1][2]).date()
        if not start <= reached_on <= end:
            continue
        amount = quantize_cny(rule.amount)
        result.append(
            Entitlement(
                payee_key=key,
                payee_name=rows[0][3],
                seller_id=seller_id,
                amount=amount,
                facts={
                    "order_ids": [row[0] for row in rows],
                    "order_numbers": [row[1] for row in rows],
                    "orders": len(rows),
                    "orders_to_reach": rule.order_count,
                    "reached_on": reached_on.isoformat(),
                },
                explanation=_("order %(n)s reached on %(day)s: grant %(amount)s")
                % {"n": rule.order_count, "day": reached_on, "amount": format_money(amount)},
            )
        )
    return result


EVALUATORS = {
    RuleKind.LOGISTICS_SUBSIDY: _logistics,
    RuleKind.SALES_REWARD: _sales_reward,
    RuleKind.TRAINING_STIPEND: _training_stipend,
    RuleKind.STARTUP_GRANT: _startup_grant,
}


def entitlements(rule: IncentiveRule, period: datetime.date) -> list[Entitlement]:
    """What each payee earns under `rule` in the month of `period`, from today's facts."""
    window = rule_window(rule, period)
    if window is None:
        return []
    return EVALUATORS[RuleKind(rule.kind)](rule, *window)


@dataclass
class _Draft:
    rule: IncentiveRule
    fact_period: datetime.date
    payee_key: str
    payee_name: str
    seller_id: int | None
    entitlement: Decimal
    already_paid: Decimal
    facts: dict[str, Any]
    explanation: str
    amount: Decimal = ZERO
    budget_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def due(self) -> Decimal:
        return self.entitlement - self.already_paid


def _paid(rule: IncentiveRule) -> dict[tuple[datetime.date, str], tuple[Decimal, str, int | None]]:
    rows = (
        LedgerEntry.objects.filter(rule=rule)
        .values_list("fact_period", "payee_key", "payee_name", "seller_id")
        .annotate(total=Sum("amount"))
    )
    return {(period, key): (total, name, seller) for period, key, name, seller, total in rows}


def _previously_paid_facts(rule: IncentiveRule, period: datetime.date, key: str) -> list[int]:
    ids: list[int] = []
    for facts, kind in PayoutLine.objects.filter(
        rule=rule, fact_period=period, payee_key=key, entry__isnull=False
    ).values_list("facts", "kind"):
        if kind == LineKind.PAYMENT:
            ids.extend(facts.get("order_ids", []))
    return ids


def _months_to_check(rule: IncentiveRule, period: datetime.date, paid) -> set[datetime.date]:
    """This month, the CORRECTION_MONTHS before it (late shipments, cancellations, a start-up
    grant that moved), and every earlier month that was paid (so a reversal always arrives)."""
    first = max(month_start(rule.valid_from), _add_months(period, -CORRECTION_MONTHS))
    months = set()
    while first <= period:
        months.add(first)
        first = _add_months(first, 1)
    return months | {p for p, _key in paid if p < period}


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _drafts_for_rule(rule: IncentiveRule, period: datetime.date) -> list[_Draft]:
    paid = _paid(rule)
    periods = _months_to_check(rule, period, paid)
    drafts = []
    for fact_period in sorted(periods):
        earned = {e.payee_key: e for e in entitlements(rule, fact_period)}
        keys = set(earned) | {key for p, key in paid if p == fact_period}
        for key in sorted(keys):
            already, paid_name, paid_seller = paid.get((fact_period, key), (ZERO, "", None))
            entitlement = earned.get(key)
            if entitlement is None:
                old_ids = _previously_paid_facts(rule, fact_period, key)
                facts = {"order_ids_no_longer_counted": old_ids, "earned_now": "0.00"}
                draft = _Draft(
                    rule,
                    fact_period,
                    key,
                    paid_name,
                    paid_seller,
                    ZERO,
                    already,
                    facts,
                    _("no longer earned (orders cancelled, refunded or certificate revoked)"),
                )
            else:
                facts = dict(entitlement.facts)
                before = set(_previously_paid_facts(rule, fact_period, key))
                dropped = sorted(before - set(facts.get("order_ids", before)))
                if dropped:
                    facts["order_ids_no_longer_counted"] = dropped
                draft = _Draft(
                    rule,
                    fact_period,
                    key,
                    entitlement.payee_name,
                    entitlement.seller_id,
                    entitlement.amount,
                    already,
                    facts,
                    entitlement.explanation,
                )
            if draft.due != 0:
                drafts.append(draft)
    return drafts


def _payee_order(key: str) -> tuple[str, int]:
    """ "seller:9" before "seller:10": budgets run out in the order payees were registered."""
    kind, _colon, number = key.partition(":")
    return kind, int(number) if number.isdigit() else 0


def _apply_budgets(drafts: list[_Draft], county: County) -> list[str]:
    """Reversals first (they free money), then payments in order until a budget line runs out."""
    notes = []
    remaining: dict[int, Decimal] = {}
    exhausted: dict[int, int] = defaultdict(int)
    lines = {d.rule.budget_line_id: d.rule.budget_line for d in drafts}
    for line_id, line in lines.items():
        remaining[line_id] = budget_remaining(line)
    ordered = sorted(
        drafts, key=lambda d: (d.due > 0, d.rule.pk, d.fact_period, _payee_order(d.payee_key))
    )
    for draft in ordered:
        line_id = draft.rule.budget_line_id
        if draft.due < 0:
            draft.amount = draft.due
            remaining[line_id] -= draft.due
            continue
        available = max(remaining[line_id], ZERO)
        draft.amount = min(draft.due, available)
        remaining[line_id] -= draft.amount
        if draft.amount < draft.due:
            exhausted[line_id] += 1
            draft.budget_note = _(
                "Budget “%(line)s” exhausted: %(paid)s of %(due)s paid, the rest waits."
            ) % {
                "line": lines[line_id].name,
                "paid": format_money(draft.amount),
                "due": format_money(draft.due),
            }
    for line_id, count in exhausted.items():
        notes.append(
            _("Budget line “%(line)s” is exhausted: %(count)s payout(s) stopped or cut.")
            % {"line": lines[line_id].name, "count": count}
        )
    return notes


def _require_admin(actor: Any, county: County) -> None:
    if not is_county_admin(actor, county):
        raise ProgramsError(_("Only county staff run and approve payouts."), field="county")


@transaction.atomic
def evaluate_period(
    *, county: County, period: datetime.date, actor: Any, today: datetime.date | None = None
) -> PayoutRun:
    """Evaluate every active rule for the month of `period`; replaces that month's draft run."""
    _require_admin(actor, county)
    County.objects.select_for_update().get(pk=county.pk)  # one evaluation per county at a time
    start, end = month_start(period), month_end(period)
    if start > (today or timezone.localdate()):
        raise ProgramsError(_("This month has not started yet."), field="period")
    PayoutRun.objects.filter(county=county, period_start=start, status=RunStatus.DRAFT).delete()
    rules = (
        IncentiveRule.objects.filter(county=county, active=True, valid_from__lte=end)
        .select_related("budget_line__program", "county")
        .order_by("pk")
    )
    drafts = [draft for rule in rules for draft in _drafts_for_rule(rule, start)]
    notes = _apply_budgets(drafts, county)
    run = PayoutRun.objects.create(
        county=county, period_start=start, period_end=end, evaluated_by=actor, notes=notes
    )
    PayoutLine.objects.bulk_create(
        PayoutLine(
            run=run,
            rule=d.rule,
            kind=LineKind.PAYMENT if d.due > 0 else LineKind.REVERSAL,
            fact_period=d.fact_period,
            payee_key=d.payee_key,
            payee_name=d.payee_name,
            seller_id=d.seller_id,
            entitlement=d.entitlement,
            already_paid=d.already_paid,
            amount=d.amount,
            facts=d.facts,
            explanation=str(d.explanation)[:500],
            budget_note=d.budget_note[:300],
        )
        for d in sorted(drafts, key=lambda d: (d.rule.pk, d.fact_period, _payee_order(d.payee_key)))
    )
    record_audit(
        actor=actor,
        action="payout_run.evaluated",
        target=run,
        county=county,
        changes={"period": start.isoformat(), "lines": len(drafts)},
    )
    return run


@transaction.atomic
def approve_run(*, run: PayoutRun, actor: Any) -> PayoutRun:
    """Book the run's lines as immutable ledger entries; refuse a run that is stale."""
    run = PayoutRun.objects.select_for_update().select_related("county").get(pk=run.pk)
    _require_admin(actor, run.county)
    if run.status != RunStatus.DRAFT:
        raise InvalidTransitionError(_("This run is already approved."), field="status")
    lines = list(run.lines.select_related("rule__budget_line").order_by("pk"))
    budget_ids = sorted({line.rule.budget_line_id for line in lines})
    locked = BudgetLine.objects.select_for_update().filter(pk__in=budget_ids).order_by("pk")
    budget_lines = {b.pk: b for b in locked}
    for line in lines:
        paid = (
            LedgerEntry.objects.filter(
                rule=line.rule, payee_key=line.payee_key, fact_period=line.fact_period
            ).aggregate(total=Sum("amount"))["total"]
            or ZERO
        )
        if paid != line.already_paid:
            raise InvalidTransitionError(
                _("Payouts changed since this run was evaluated: evaluate the month again."),
                field="status",
            )
    for budget_id, budget_line in budget_lines.items():
        net = sum((x.amount for x in lines if x.rule.budget_line_id == budget_id), ZERO)
        remaining = budget_remaining(budget_line)
        if net > remaining:
            raise InvalidTransitionError(
                _("Budget line “%(line)s” has %(remaining)s left, the run needs %(net)s.")
                % {
                    "line": budget_line.name,
                    "remaining": format_money(remaining),
                    "net": format_money(net),
                },
                field="status",
            )
    now = timezone.now()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            county=run.county,
            run=run,
            line=line,
            rule=line.rule,
            budget_line=line.rule.budget_line,
            kind=line.kind,
            fact_period=line.fact_period,
            payee_key=line.payee_key,
            payee_name=line.payee_name,
            seller_id=line.seller_id,
            amount=line.amount,
            booked_at=now,
        )
        for line in lines
        if line.amount != 0
    )
    run.status = RunStatus.APPROVED
    run.approved_by = actor
    run.approved_at = now
    run.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    record_audit(
        actor=actor,
        action="payout_run.approved",
        target=run,
        county=run.county,
        changes={"total": sum((x.amount for x in lines), ZERO), "lines": len(lines)},
    )
    return run


def run_periods(
    *, county: County, periods: Iterable[datetime.date], actor: Any, approve: bool = True
) -> list[PayoutRun]:
    """Evaluate (and approve) month after month, e.g. to catch up or to build the demo."""
    runs = []
    for period in periods:
        run = evaluate_period(county=county, period=period, actor=actor)
        runs.append(approve_run(run=run, actor=actor) if approve else run)
    return runs
