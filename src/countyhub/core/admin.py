from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest

from countyhub.core.admin_tools import (
    CountyScopedAdmin,
    PictureUploadForm,
    export_as_csv,
    is_county_staff,
)
from countyhub.core.audit import delete_with_audit, save_with_audit
from countyhub.core.models import AuditEntry, County, Membership, Township, Village
from countyhub.core.services import grant_role, revoke_role, set_county_banner


class CountyForm(PictureUploadForm):
    picture_fields = ("banner",)

    class Meta:
        model = County
        fields = "__all__"


@admin.register(County)
class CountyAdmin(CountyScopedAdmin):
    form = CountyForm
    county_path = "pk"
    list_display = ("name", "name_en", "slug", "service_center")
    search_fields = ("name", "name_en", "slug")

    def save_model(self, request: HttpRequest, obj: County, form: Any, change: bool) -> None:
        """A new banner is redrawn by the service; the rest of the county is a plain record."""
        upload = form.new_picture("banner")
        super().save_model(request, obj, form, change)
        if upload is not None:
            set_county_banner(actor=request.user, county=obj, upload=upload)

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
    """Roles are granted and revoked through the services; whose role it is and which role stay
    fixed once granted (revoke it and grant another), only an operator's station moves."""

    list_display = ("user", "role", "county", "station")
    list_filter = ("role", "county")
    search_fields = ("user__username", "user__email")
    autocomplete_fields = ("user",)
    actions = (export_as_csv,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("user", "county", "role") if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        granted = grant_role(
            actor=request.user, user=obj.user, county=obj.county, role=obj.role, station=obj.station
        )
        obj.pk = granted.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        revoke_role(actor=request.user, membership=obj)


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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_county_staff(request)


# Roles are memberships (above), not Django's permission groups, which countyhub never reads.
admin.site.unregister(Group)
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class AccountAdmin(UserAdmin):
    """Accounts: whether one may log in or reach the admin (staff, superuser) is audited."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        save_with_audit(actor=request.user, instance=obj, county=None)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        delete_with_audit(actor=request.user, instance=obj, county=None)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
