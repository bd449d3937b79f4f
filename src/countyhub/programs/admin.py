"""The back office for superusers; county staff use the programs pages, which ask the services.

Every change goes through the programs services (audited, with their rules); the ledger and the
payout runs are read-only here: entries are never changed, a correction is a new entry.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from countyhub.core.admin_tools import AuditedAdmin
from countyhub.programs import services
from countyhub.programs.errors import ProgramsError
from countyhub.programs.forms import RULE_FIELDS
from countyhub.programs.models import (
    BudgetLine,
    IncentiveRule,
    KpiTarget,
    LedgerEntry,
    PayoutRun,
    Program,
    Task,
)


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0


PROGRAM_FIELDS = (
    "name",
    "level",
    "designation_year",
    "central_funds",
    "local_matching",
    "agricultural_categories",
)


@admin.register(Program)
class ProgramAdmin(AuditedAdmin):
    list_display = ("name", "county", "level", "designation_year", "central_funds")
    list_filter = ("level", "county")
    fields = ("county", *PROGRAM_FIELDS)
    inlines = (BudgetLineInline,)

    def save_model(self, request: HttpRequest, obj: Program, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.save_program(
            actor=request.user,
            county=data["county"],
            program=obj if change else None,
            **{name: data[name] for name in PROGRAM_FIELDS},
        )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # save_program has set the categories already; only the budget lines remain.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_inline(self, request: HttpRequest, parent: Any, obj: Any, county: Any) -> None:
        services.save_budget_line(
            actor=request.user,
            program=parent,
            budget_line=obj if obj.pk else None,
            name=obj.name,
            kind=obj.kind,
            amount=obj.amount,
        )


class IncentiveRuleForm(forms.ModelForm):
    """Asks the service whether the change is allowed, so that a refusal shows on the field."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is not None:
            stored = IncentiveRule.objects.get(pk=self.instance.pk)
            try:
                services.check_rule_change(rule=stored, values=data)
            except ProgramsError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


@admin.register(IncentiveRule)
class IncentiveRuleAdmin(AuditedAdmin):
    form = IncentiveRuleForm
    list_display = ("name", "county", "kind", "budget_line", "valid_from", "valid_until", "active")
    list_filter = ("kind", "active", "county")
    fields = ("county", *RULE_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("county",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: IncentiveRule, form: Any, change: bool) -> None:
        saved = services.save_incentive_rule(
            actor=request.user,
            county=obj.county,
            rule=obj if change else None,
            **{name: form.cleaned_data[name] for name in RULE_FIELDS},
        )
        obj.pk = saved.pk


TASK_FIELDS = ("title", "department", "owner", "deadline")


@admin.register(Task)
class TaskAdmin(AuditedAdmin):
    """A task's status moves by progress notes on the task's page, not here."""

    county_path = "program__county"
    list_display = ("title", "department", "owner", "deadline", "status")
    list_filter = ("status", "department")
    fields = ("program", *TASK_FIELDS, "status", "completed_on")
    readonly_fields = ("status", "completed_on")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("program", *self.readonly_fields) if obj is not None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in TASK_FIELDS}
        if change:
            services.update_task(actor=request.user, task=obj, **data)
        else:
            obj.pk = services.create_task(actor=request.user, program=obj.program, **data).pk


@admin.register(KpiTarget)
class KpiTargetAdmin(AuditedAdmin):
    list_display = ("county", "kpi", "year", "target")
    list_filter = ("county", "year")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Which target it is stays; another KPI or year is another target.
        return ("county", "kpi", "year") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: KpiTarget, form: Any, change: bool) -> None:
        (saved,) = services.set_kpi_targets(
            county=obj.county, year=obj.year, targets={obj.kpi: obj.target}, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: KpiTarget) -> None:
        services.set_kpi_targets(
            county=obj.county, year=obj.year, targets={obj.kpi: None}, actor=request.user
        )


class ReadOnlyAdmin(AuditedAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PayoutRun)
class PayoutRunAdmin(ReadOnlyAdmin):
    list_display = ("county", "period_start", "status", "approved_by", "approved_at")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("booked_at", "county", "rule", "payee_name", "kind", "fact_period", "amount")
    list_filter = ("kind", "county", "rule")
