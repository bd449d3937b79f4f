"""Incentive rules evaluated against platform facts, payout runs, and the payout ledger.

A rule gives each payee an *entitlement* for a month, computed from facts (orders, certificates).
A run pays the difference between the entitlement and what the ledger already holds for the same
rule, payee and month. So re-running a month pays nothing twice, a cancelled order makes the
entitlement smaller and the next run books a reversal, and a late shipment is paid late, once.
Earlier months that were paid are re-checked by every run, which is how corrections arrive.
The rule evaluators themselves are in `countyhub.programs.entitlements`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.models import County
from countyhub.core.money import format_money
from countyhub.core.months import add_months, month_end, month_start
from countyhub.core.permissions import is_county_admin
from countyhub.programs.entitlements import entitlements
from countyhub.programs.errors import InvalidTransitionError, ProgramsError, ProgramsErrorCode
from countyhub.programs.models import (
    BudgetLine,
    IncentiveRule,
    LedgerEntry,
    LineKind,
    PayoutLine,
    PayoutRun,
    RunStatus,
)
from countyhub.programs.services import budget_remaining

ZERO = Decimal("0.00")
# How far back a run looks for facts that changed in months nothing was paid for.
CORRECTION_MONTHS = 12


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
    first = max(month_start(rule.valid_from), add_months(period, -CORRECTION_MONTHS))
    months = set()
    while first <= period:
        months.add(first)
        first = add_months(first, 1)
    return months | {p for p, _key in paid if p < period}


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
        raise ProgramsError(
            ProgramsErrorCode.FORBIDDEN,
            _("Only county staff run and approve payouts."),
            field="county",
        )


def check_evaluation(
    *,
    county: County,
    period: datetime.date,
    actor: Any,
    today: datetime.date | None = None,
    scheduled: bool = False,
) -> None:
    """What refuses an evaluation before any work: the actor, a month still to come.
    ``scheduled`` is countyhub's own monthly draft (no actor: a draft books nothing)."""
    if not (scheduled and actor is None):
        _require_admin(actor, county)
    if month_start(period) > (today or timezone.localdate()):
        raise ProgramsError(
            ProgramsErrorCode.MONTH_NOT_STARTED,
            _("This month has not started yet."),
            field="period",
        )


@transaction.atomic
def evaluate_period(
    *,
    county: County,
    period: datetime.date,
    actor: Any,
    today: datetime.date | None = None,
    scheduled: bool = False,
) -> PayoutRun:
    """Evaluate every active rule for the month of `period`; replaces that month's draft run
    (so evaluating again, or a retried job, gives one run). ``scheduled``: see
    :func:`check_evaluation`; only people approve."""
    check_evaluation(county=county, period=period, actor=actor, today=today, scheduled=scheduled)
    County.objects.select_for_update().get(pk=county.pk)  # one evaluation per county at a time
    start, end = month_start(period), month_end(period)
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
            raise ProgramsError(
                ProgramsErrorCode.STALE_RUN,
                _("Payouts changed since this run was evaluated: evaluate the month again."),
                field="status",
            )
    for budget_id, budget_line in budget_lines.items():
        net = sum((x.amount for x in lines if x.rule.budget_line_id == budget_id), ZERO)
        remaining = budget_remaining(budget_line)
        if net > remaining:
            raise ProgramsError(
                ProgramsErrorCode.OVER_BUDGET,
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


def draft_last_months_runs(today: datetime.date | None = None) -> list[PayoutRun]:
    """The monthly periodic task: last month's draft run for every county with an active rule
    and no run of that month yet, so that staff find it ready to check and approve on the 1st
    (a month someone already evaluated is theirs and is left alone)."""
    month = add_months(month_start(today or timezone.localdate()), -1)
    ruled = IncentiveRule.objects.filter(active=True, valid_from__lte=month_end(month))
    counties = (
        County.objects.filter(pk__in=ruled.values("county"))
        .exclude(pk__in=PayoutRun.objects.filter(period_start=month).values("county"))
        .order_by("pk")
    )
    return [
        evaluate_period(county=county, period=month, actor=None, today=today, scheduled=True)
        for county in counties
    ]
