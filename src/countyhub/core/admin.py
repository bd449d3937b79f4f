from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from countyhub.core.admin_tools import (
    AuditedAdmin,
    CountyScopedAdmin,
    PictureUploadForm,
    export_as_csv,
    is_county_staff,
)
from countyhub.core.audit import delete_with_audit, save_with_audit
from countyhub.core.forms import ThrottledAdminAuthenticationForm
from countyhub.core.models import (
    ApiToken,
    AuditEntry,
    County,
    ErrorRecord,
    FailedJob,
    Job,
    JobStatus,
    Membership,
    Province,
    ProvinceOfficial,
    Township,
    Village,
)
from countyhub.core.services import (
    appoint_province_official,
    grant_role,
    remove_province_official,
    revoke_api_token,
    revoke_role,
    revoke_user_tokens,
    set_county_banner,
)

# The admin's log-in goes through the same throttle as the site's and the API's.
admin.site.login_form = ThrottledAdminAuthenticationForm


class CountyForm(PictureUploadForm):
    picture_fields = ("banner",)

    class Meta:
        model = County
        fields = "__all__"


@admin.register(County)
class CountyAdmin(CountyScopedAdmin):
    form = CountyForm
    county_path = "pk"
    list_display = ("name", "name_en", "slug", "service_center", "province")
    search_fields = ("name", "name_en", "slug")

    def save_model(self, request: HttpRequest, obj: County, form: Any, change: bool) -> None:
        """A new banner is redrawn by the service; the rest of the county is a plain record."""
        upload = form.new_picture("banner")
        super().save_model(request, obj, form, change)
        if upload is not None:
            set_county_banner(actor=request.user, county=obj, upload=upload)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Which province sees a county is the province's business, not the county's.
        return () if request.user.is_superuser else ("province",)


class SuperuserOnlyAdmin(AuditedAdmin):
    """Above any county: only superusers see or change these."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def audit_county(self, obj: Any) -> County | None:
        return None


@admin.register(Province)
class ProvinceAdmin(SuperuserOnlyAdmin):
    list_display = ("name", "name_en", "code")
    search_fields = ("name", "name_en", "code")


@admin.register(ProvinceOfficial)
class ProvinceOfficialAdmin(SuperuserOnlyAdmin):
    list_display = ("user", "province")
    list_filter = ("province",)
    autocomplete_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # appoint another, remove this one

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        obj.pk = appoint_province_official(
            actor=request.user, user=obj.user, province=obj.province
        ).pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        remove_province_official(actor=request.user, official=obj)


@admin.register(Township)
class TownshipAdmin(CountyScopedAdmin):
    list_display = ("name", "county")
    list_filter = ("county",)
    search_fields = ("name",)


@admin.register(Village)
class VillageAdmin(CountyScopedAdmin):
    list_display = ("name", "township", "distance_to_seat_km", "county")
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


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Background jobs, the recent failures to hand (filter by status), for superusers: inputs
    can hold any county's data. A failed run is run again where it belongs (an analysis run's
    "Run again"), which links the new job to its run."""

    list_display = (
        "created_at",
        "kind",
        "status",
        "attempts",
        "done",
        "total",
        "created_by",
        "error",
    )
    list_filter = ("status", "kind")
    search_fields = ("kind", "request_id", "error")
    date_hierarchy = "created_at"
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser


@admin.register(ErrorRecord)
class ErrorRecordAdmin(JobAdmin):
    """The last errors the site logged, for superusers (a traceback can show any county's
    data); the request id finds the same request in nginx's and countyhub's logs."""

    list_display = ("created_at", "status_code", "method", "path", "exception", "message")
    list_filter = ("level", "status_code", "exception")
    search_fields = ("request_id", "path", "exception", "message", "username")


@admin.register(FailedJob)
class FailedJobAdmin(CountyScopedAdmin):
    """The failures of the last RECENT_DAYS: for county administrators those of their counties'
    jobs, for superusers all. It shows what failed, for whom and why, never the job's inputs or
    results (the work's own pages show those to whoever may see them)."""

    RECENT_DAYS = 30

    list_display = ("finished_at", "kind", "county", "created_by", "attempts", "error")
    list_filter = ("kind", "county")
    search_fields = ("kind", "error", "created_by__username")
    fields = (
        "kind",
        "county",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "attempts",
        "error",
        "request_id",
    )
    readonly_fields = fields
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        since = timezone.now() - datetime.timedelta(days=self.RECENT_DAYS)
        return (
            super()
            .get_queryset(request)
            .filter(status=JobStatus.FAILED, finished_at__gte=since)
            .select_related("county", "created_by")
            .order_by("-finished_at", "-pk")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


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

    @admin.action(description=_("Revoke all API tokens of the selected accounts"))
    def revoke_api_tokens(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        revoked = sum(
            revoke_user_tokens(actor=request.user, user=user, because="revoked_by_admin")
            for user in queryset
        )
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": revoked})

    actions = ("revoke_api_tokens",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are listed per user and revoked, never edited or deleted: a revoked token stays as
    the record of who could call the API when. Superusers only: tokens are no county's data."""

    list_display = ("user", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "prefix")
    readonly_fields = tuple(f.name for f in ApiToken._meta.fields if f.name != "key_hash")
    exclude = ("key_hash",)
    actions = ("revoke",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = sum(
            revoke_api_token(actor=request.user, token=token, because="revoked_by_admin")
            for token in queryset
        )
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": revoked})
