"""Use cases of programs: programs and budget lines, spending (maker-checker), tasks, incentive
rules, KPI targets. Every change is audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit, save_with_audit
from countyhub.core.documents import check_document
from countyhub.core.models import County
from countyhub.core.money import format_money, quantize_cny
from countyhub.core.months import month_end
from countyhub.core.permissions import is_county_admin
from countyhub.programs.errors import (
    InvalidTransitionError,
    ProgramsError,
    ProgramsErrorCode,
)
from countyhub.programs.models import (
    BudgetLine,
    IncentiveRule,
    KpiTarget,
    LedgerEntry,
    Program,
    Spending,
    SpendingStatus,
    Task,
    TaskNote,
    TaskStatus,
)


def budget_used(budget_line: BudgetLine, *, include_pending: bool = False) -> Decimal:
    """Approved spending plus booked payouts (reversals are negative entries)."""
    statuses = [SpendingStatus.APPROVED]
    if include_pending:
        statuses.append(SpendingStatus.PENDING)
    spent = Spending.objects.filter(budget_line=budget_line, status__in=statuses).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0.00")
    paid = LedgerEntry.objects.filter(budget_line=budget_line).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal("0.00")
    return spent + paid


def budget_remaining(budget_line: BudgetLine, *, include_pending: bool = False) -> Decimal:
    return budget_line.amount - budget_used(budget_line, include_pending=include_pending)


def _over_budget(budget_line: BudgetLine, amount: Decimal, remaining: Decimal) -> ProgramsError:
    return ProgramsError(
        ProgramsErrorCode.OVER_BUDGET,
        _(
            "%(amount)s is more than what remains on “%(line)s”: budget %(budget)s, "
            "used or awaiting approval %(used)s, remaining %(remaining)s."
        )
        % {
            "amount": format_money(amount),
            "line": budget_line.name,
            "budget": format_money(budget_line.amount),
            "used": format_money(budget_line.amount - remaining),
            "remaining": format_money(remaining),
        },
        field="amount",
    )


def _lock_budget_line(budget_line: BudgetLine) -> BudgetLine:
    return (
        BudgetLine.objects.select_for_update()
        .select_related("program__county")
        .get(pk=budget_line.pk)
    )


def _check_evidence(evidence: UploadedFile) -> None:
    try:
        check_document(evidence)
    except ValidationError as error:
        raise ProgramsError(
            ProgramsErrorCode.BAD_DOCUMENT, error.messages[0], field="evidence"
        ) from error


@transaction.atomic
def record_spending(
    *,
    budget_line: BudgetLine,
    maker: Any,
    date: datetime.date,
    payee: str,
    amount: Decimal,
    evidence: UploadedFile,
    description: str = "",
) -> Spending:
    """Record a spending awaiting a second person's approval; refuse one the line cannot pay."""
    line = _lock_budget_line(budget_line)
    if not is_county_admin(maker, line.program.county):
        raise ProgramsError(
            ProgramsErrorCode.FORBIDDEN,
            _("Only county staff record spending."),
            field="budget_line",
        )
    if not payee.strip():
        raise ProgramsError(ProgramsErrorCode.REQUIRED, _("Give the payee."), field="payee")
    if amount is None or amount <= 0:
        raise ProgramsError(
            ProgramsErrorCode.NOT_POSITIVE, _("The amount must be more than zero."), field="amount"
        )
    if not evidence:
        raise ProgramsError(
            ProgramsErrorCode.REQUIRED, _("Attach the evidence document."), field="evidence"
        )
    _check_evidence(evidence)
    amount = quantize_cny(amount)
    remaining = budget_remaining(line, include_pending=True)
    if amount > remaining:
        raise _over_budget(line, amount, remaining)
    spending = Spending.objects.create(
        budget_line=line,
        date=date,
        payee=payee.strip(),
        description=description.strip(),
        amount=amount,
        evidence=evidence,
        recorded_by=maker,
    )
    record_audit(
        actor=maker,
        action="spending.recorded",
        target=spending,
        county=line.program.county,
        changes={"amount": amount, "payee": spending.payee, "budget_line": line.pk},
    )
    return spending


@transaction.atomic
def decide_spending(*, spending: Spending, checker: Any, approve: bool) -> Spending:
    """The checker approves or rejects; never the person who recorded it."""
    spending = Spending.objects.select_for_update().get(pk=spending.pk)
    line = _lock_budget_line(spending.budget_line)
    county = line.program.county
    if not is_county_admin(checker, county):
        raise ProgramsError(
            ProgramsErrorCode.FORBIDDEN, _("Only county staff approve spending."), field="status"
        )
    if spending.status != SpendingStatus.PENDING:
        raise InvalidTransitionError(
            _("This spending was already %(status)s.")
            % {"status": SpendingStatus(spending.status).label},
            field="status",
        )
    if spending.recorded_by_id == checker.pk:
        raise ProgramsError(
            ProgramsErrorCode.SAME_PERSON,
            _("A second person must approve: you recorded this spending."),
            field="status",
        )
    if approve:
        remaining = budget_remaining(line)
        if spending.amount > remaining:
            raise _over_budget(line, spending.amount, remaining)
    spending.status = SpendingStatus.APPROVED if approve else SpendingStatus.REJECTED
    spending.decided_by = checker
    spending.decided_at = timezone.now()
    spending.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    record_audit(
        actor=checker,
        action=f"spending.{spending.status}",
        target=spending,
        county=county,
        changes={"amount": spending.amount},
    )
    return spending


@transaction.atomic
def save_program(
    *,
    actor: Any,
    county: County,
    program: Program | None = None,
    name: str,
    level: str,
    designation_year: int,
    central_funds: Decimal,
    local_matching: Decimal,
    agricultural_categories: Iterable[Any] = (),
) -> Program:
    """Create a program of the county, or change one; its funds are audited before and after."""
    if program is not None:
        program = Program.objects.select_for_update().get(pk=program.pk, county=county)
    else:
        program = Program(county=county)
    program.name, program.level, program.designation_year = name, level, designation_year
    program.central_funds, program.local_matching = central_funds, local_matching
    save_with_audit(actor=actor, instance=program, county=county)
    categories = sorted(c.pk for c in agricultural_categories)
    previous = sorted(program.agricultural_categories.values_list("pk", flat=True))
    if categories != previous:
        program.agricultural_categories.set(categories)
        record_audit(
            actor=actor,
            action="program.links_changed",
            target=program,
            county=county,
            changes={"agricultural_categories": [previous, categories]},
        )
    return program


@transaction.atomic
def save_budget_line(
    *,
    actor: Any,
    program: Program,
    budget_line: BudgetLine | None = None,
    name: str,
    kind: str,
    amount: Decimal,
) -> BudgetLine:
    """Add a budget line to a program, or change one; the amount is audited before and after."""
    budget_line = _lock_budget_line(budget_line) if budget_line is not None else BudgetLine()
    budget_line.program, budget_line.name, budget_line.kind = program, name, kind
    budget_line.amount = amount
    return save_with_audit(actor=actor, instance=budget_line, county=program.county)


@transaction.atomic
def create_task(
    *,
    actor: Any,
    program: Program,
    title: str,
    department: str,
    owner: Any,
    deadline: datetime.date,
) -> Task:
    """A task of the program for a department, planned; its status moves by progress notes."""
    task = Task(program=program, title=title, department=department, owner=owner, deadline=deadline)
    return save_with_audit(actor=actor, instance=task, county=program.county)


@transaction.atomic
def update_task(
    *,
    actor: Any,
    task: Task,
    title: str,
    department: str,
    owner: Any,
    deadline: datetime.date,
) -> Task:
    """Change what a task is, who owns it and by when; not its status (`add_task_progress`)."""
    task = Task.objects.select_for_update().select_related("program__county").get(pk=task.pk)
    task.title, task.department, task.owner, task.deadline = title, department, owner, deadline
    return save_with_audit(actor=actor, instance=task, county=task.program.county)


TASK_TRANSITIONS = {
    TaskStatus.PLANNED: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.DONE}),
    TaskStatus.DONE: frozenset({TaskStatus.IN_PROGRESS}),
}


@transaction.atomic
def add_task_progress(
    *,
    task: Task,
    author: Any,
    text: str,
    status: str | None = None,
    evidence: UploadedFile | None = None,
    today: datetime.date | None = None,
) -> TaskNote:
    """A progress note with optional evidence, and optionally a status change."""
    task = Task.objects.select_for_update().select_related("program__county").get(pk=task.pk)
    if not text.strip():
        raise ProgramsError(ProgramsErrorCode.REQUIRED, _("Write what was done."), field="text")
    if status and status != task.status:
        if status not in TASK_TRANSITIONS.get(task.status, frozenset()):
            raise InvalidTransitionError(
                _("A task that is %(current)s cannot become %(target)s.")
                % {"current": TaskStatus(task.status).label, "target": status},
                field="status",
            )
        previous = task.status
        task.status = status
        task.completed_on = (today or timezone.localdate()) if status == TaskStatus.DONE else None
        task.save(update_fields=["status", "completed_on", "updated_at"])
        record_audit(
            actor=author,
            action=f"task.{status}",
            target=task,
            county=task.program.county,
            changes={"status": [previous, status]},
        )
    if evidence:
        _check_evidence(evidence)
    note = TaskNote.objects.create(task=task, author=author, text=text.strip(), evidence=evidence)
    record_audit(
        actor=author,
        action="task.progress",
        target=note,
        county=task.program.county,
        changes={"task": task.pk, "evidence": bool(evidence)},
    )
    return note


# Paid months must not be re-priced: once a rule has paid out, these stay as they were.
FROZEN_ONCE_PAID = (
    "kind",
    "budget_line",
    "valid_from",
    "amount",
    "percent",
    "threshold",
    "cap",
    "order_count",
)


def _value(value: Any) -> Any:
    return value.pk if isinstance(value, BudgetLine) else value


def check_rule_change(*, rule: IncentiveRule, values: Mapping[str, Any]) -> None:
    """Refuse a change that would re-price months the rule has paid: its kind, budget line and
    parameters stay, and it may end (valid until) only after the last paid month."""
    last_paid = LedgerEntry.objects.filter(rule=rule).order_by("-fact_period").first()
    if last_paid is None:
        return
    stored = {name: _value(getattr(rule, name)) for name in FROZEN_ONCE_PAID}
    for name in FROZEN_ONCE_PAID:
        if name in values and _value(values[name]) != stored[name]:
            raise ProgramsError(
                ProgramsErrorCode.PAID_OUT,
                _(
                    "This rule has paid out already: end it (valid until) and create a new "
                    "rule instead of changing this."
                ),
                field=name,
            )
    valid_until = values.get("valid_until")
    paid_month_end = month_end(last_paid.fact_period)
    if valid_until and valid_until < paid_month_end:
        raise ProgramsError(
            ProgramsErrorCode.PAID_OUT,
            _("Payouts were made up to %(day)s: the rule cannot end before that.")
            % {"day": paid_month_end},
            field="valid_until",
        )


@transaction.atomic
def save_incentive_rule(
    *,
    actor: Any,
    county: County,
    rule: IncentiveRule | None = None,
    name: str,
    kind: str,
    budget_line: BudgetLine,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    amount: Decimal | None = None,
    percent: Decimal | None = None,
    threshold: Decimal | None = None,
    cap: Decimal | None = None,
    order_count: int | None = None,
    active: bool = True,
) -> IncentiveRule:
    """Create a rule, or change one that has not paid out for the months changed; the rule's
    terms are audited before and after."""
    values = {
        "name": name,
        "kind": kind,
        "budget_line": budget_line,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "amount": amount,
        "percent": percent,
        "threshold": threshold,
        "cap": cap,
        "order_count": order_count,
        "active": active,
    }
    if rule is not None:
        rule = IncentiveRule.objects.select_for_update().get(pk=rule.pk, county=county)
        # approve_run books payouts under their budget lines' locks: taking this rule's line
        # lock means no payout can be booked between the check and the save.
        _lock_budget_line(rule.budget_line)
        check_rule_change(rule=rule, values=values)
    else:
        rule = IncentiveRule(county=county)
    for field, value in values.items():
        setattr(rule, field, value)
    return save_with_audit(actor=actor, instance=rule, county=county)


@transaction.atomic
def set_kpi_targets(
    *, county: Any, year: int, targets: dict[str, Decimal | None], actor: Any
) -> list[KpiTarget]:
    """Set (or, with None, remove) the county's targets for a year."""
    if not is_county_admin(actor, county):
        raise ProgramsError(
            ProgramsErrorCode.FORBIDDEN, _("Only county staff set targets."), field="year"
        )
    saved = []
    for kpi, target in targets.items():
        if target is None:
            KpiTarget.objects.filter(county=county, kpi=kpi, year=year).delete()
            continue
        row, _created = KpiTarget.objects.update_or_create(
            county=county, kpi=kpi, year=year, defaults={"target": target}
        )
        saved.append(row)
    record_audit(
        actor=actor,
        action="kpi_targets.set",
        target=county,
        county=county,
        changes={"year": year, "targets": {k: str(v) for k, v in targets.items() if v is not None}},
    )
    return saved
