from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from countyhub.core.admin_tools import CountyScopedAdmin, export_as_csv, is_county_staff
from countyhub.core.audit import record_audit
from countyhub.core.models import AuditEntry, County, Membership, Role, Township, Village


@admin.register(County)
class CountyAdmin(CountyScopedAdmin):
    county_path = "pk"
    list_display = ("name", "name_en", "slug", "service_center")
    search_fields = ("name", "name_en", "slug")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Township)
class TownshipAdmin(CountyScopedAdmin):
    list_display = ("name", "county")
    list_filter = ("county",)
    search_fields = ("name",)


@admin.register(Village)
class VillageAdmin(CountyScopedAdmin):
    list_display = ("name", "township", "county")
    list_filter = ("county", "township")
    search_fields = ("name", "township__name")
    actions = (export_as_csv,)


@admin.register(Membership)
class MembershipAdmin(CountyScopedAdmin):
    list_display = ("user", "role", "county", "station")
    list_filter = ("role", "county")
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)
    actions = (export_as_csv,)

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.role == Role.COUNTY_ADMIN and not obj.user.is_staff:
            # County administrators work in this admin, which needs the staff flag.
            obj.user.is_staff = True
            obj.user.save(update_fields=["is_staff"])
        record_audit(
            actor=request.user,
            action="role.changed" if change else "role.granted",
            target=obj,
            county=obj.county,
            changes={"user": obj.user_id, "role": obj.role},
        )


@admin.register(AuditEntry)
class AuditEntryAdmin(CountyScopedAdmin):
    list_display = ("created_at", "actor", "action", "object_type", "object_id", "county")
    list_filter = ("action", "object_type", "county")
    search_fields = ("object_id", "actor__username", "action")
    date_hierarchy = "created_at"
    actions = (export_as_csv,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_staff(request)
