"""The back office for superusers; county staff use the programs pages, which ask the services.

The ledger is read-only here: entries are never changed, a correction is a new entry.
"""

from django.contrib import admin

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


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "level", "designation_year", "central_funds")
    list_filter = ("level", "county")
    inlines = (BudgetLineInline,)


@admin.register(IncentiveRule)
class IncentiveRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "county", "kind", "budget_line", "valid_from", "valid_until", "active")
    list_filter = ("kind", "active", "county")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "department", "owner", "deadline", "status")
    list_filter = ("status", "department")


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ("county", "kpi", "year", "target")
    list_filter = ("county", "year")


class ReadOnlyAdmin(admin.ModelAdmin):
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
