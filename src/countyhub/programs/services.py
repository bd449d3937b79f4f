"""Use cases of programs: budget and spending (maker-checker), tasks."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.audit import record_audit
from countyhub.core.money import format_money, quantize_cny
from countyhub.core.permissions import is_county_admin
from countyhub.programs.errors import (
    InvalidTransitionError,
    MakerCheckerError,
    OverBudgetError,
    ProgramsError,
)
from countyhub.programs.models import (
    BudgetLine,
    KpiTarget,
    LedgerEntry,
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


def _over_budget(budget_line: BudgetLine, amount: Decimal, remaining: Decimal) -> OverBudgetError:
    return OverBudgetError(
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
        raise ProgramsError(_("Only county staff record spending."), field="budget_line")
    if not payee.strip():
        raise ProgramsError(_("Give the payee."), field="payee")
    if amount is None or amount <= 0:
        raise ProgramsError(_("The amount must be more than zero."), field="amount")
    if not evidence:
        raise ProgramsError(_("Attach the evidence document."), field="evidence")
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
        raise ProgramsError(_("Only county staff approve spending."), field="status")
    if spending.status != SpendingStatus.PENDING:
        raise InvalidTransitionError(
            _("This spending was already %(status)s.")
            % {"status": SpendingStatus(spending.status).label},
            field="status",
        )
    if spending.recorded_by_id == checker.pk:
        raise MakerCheckerError(
            _("A second person must approve: you recorded this spending."), field="status"
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
        raise ProgramsError(_("Write what was done."), field="text")
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
    return TaskNote.objects.create(task=task, author=author, text=text.strip(), evidence=evidence)


@transaction.atomic
def set_kpi_targets(
    *, county: Any, year: int, targets: dict[str, Decimal | None], actor: Any
) -> list[KpiTarget]:
    """Set (or, with None, remove) the county's targets for a year."""
    if not is_county_admin(actor, county):
        raise ProgramsError(_("Only county staff set targets."), field="year")
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
