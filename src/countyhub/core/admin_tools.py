"""The admin, tailored for county staff: each county administrator sees only their counties."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from countyhub.core.permissions import admin_county_ids


def is_county_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and (user.is_superuser or admin_county_ids(user)))


class CountyScopedAdmin(admin.ModelAdmin):
    """Rows of the administrator's counties only; foreign keys offer only those counties' rows."""

    county_path = "county"

    def _county_ids(self, request: HttpRequest) -> list[int] | None:
        return admin_county_ids(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        county_ids = self._county_ids(request)
        if county_ids is None:
            return queryset
        return queryset.filter(**{f"{self.county_path}__in": county_ids})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_county_staff(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_county_staff(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_county_staff(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_county_staff(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        county_ids = self._county_ids(request)
        related = db_field.related_model
        if county_ids is not None:
            if related._meta.label == "core.County":
                kwargs["queryset"] = related.objects.filter(pk__in=county_ids)
            elif any(f.name == "county" for f in related._meta.fields):
                kwargs["queryset"] = related.objects.filter(county_id__in=county_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.action(description=_("Export selected as CSV"))
def export_as_csv(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse:
    """The list's columns, as CSV with a BOM so that Excel opens the Chinese text correctly."""
    columns = [c for c in modeladmin.get_list_display(request) if c != "__str__"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{modeladmin.model._meta.model_name}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(columns)
    for obj in queryset:
        row = []
        for column in columns:
            value = getattr(modeladmin, column, None)
            if callable(value):
                row.append(value(obj))
            else:
                attribute = getattr(obj, column)
                display = getattr(obj, f"get_{column}_display", None)
                row.append(display() if display else attribute)
        writer.writerow(row)
    return response
