"""The admin, tailored for county staff: each county administrator sees only their counties."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from countyhub.core import images
from countyhub.core.audit import delete_with_audit, record_audit, save_with_audit
from countyhub.core.local_time import local_iso
from countyhub.core.models import County
from countyhub.core.permissions import admin_county_ids
from countyhub.core.spreadsheets import SafeCsvWriter


def is_county_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and (user.is_superuser or admin_county_ids(user)))


def county_of(obj: Model, path: str) -> County | None:
    """Follow a `county_path` ("county", "batch__county", "pk") from a record to its county."""
    if path == "pk":
        return obj if isinstance(obj, County) else None
    target: Any = obj
    for step in path.split("__"):
        target = getattr(target, step, None)
    return target if isinstance(target, County) else None


class PictureUploadForm(forms.ModelForm):
    """An admin form whose `picture_fields` take uploads checked as pictures here (a refusal
    shows on the field) and stored by a service in `save_model`, never by the form."""

    picture_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in self.picture_fields:
            upload = cleaned.get(name)
            if upload and name in self.changed_data:
                try:
                    images.check_upload(upload)
                except images.ImageError as error:
                    self.add_error(name, ValidationError(error.message, code=error.code.value))
        return cleaned

    def new_picture(self, name: str) -> Any:
        """The file uploaded to `name`, taken off the record (the service stores it), or None."""
        upload = self.cleaned_data.get(name)
        if not upload or name not in self.changed_data:
            return None
        setattr(self.instance, name, self.initial.get(name) or "")
        return upload


class AuditedAdmin(admin.ModelAdmin):
    """Writes through the audited services: a plain record (one with no rules beyond its model's)
    is saved by `save_with_audit`, its inline rows and many-to-many links too; an admin whose
    model has rules overrides `save_model` (and `delete_model`) to call its app's service."""

    county_path = "county"

    def audit_county(self, obj: Model) -> County | None:
        return county_of(obj, self.county_path)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        save_with_audit(actor=request.user, instance=obj, county=self.audit_county(obj))

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        delete_with_audit(actor=request.user, instance=obj, county=self.audit_county(obj))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        county = self.audit_county(form.instance)
        for obj in formset.save(commit=False):
            self.save_inline(request, form.instance, obj, county)
        for removed in formset.deleted_objects:
            delete_with_audit(actor=request.user, instance=removed, county=county)
        formset.save_m2m()

    def save_inline(self, request: HttpRequest, parent: Model, obj: Model, county: Any) -> None:
        save_with_audit(actor=request.user, instance=obj, county=county)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        obj = form.instance
        links = [f.name for f in obj._meta.many_to_many if f.name in form.cleaned_data]
        before = {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in links}
        super().save_related(request, form, formsets, change)
        after = {name: sorted(getattr(obj, name).values_list("pk", flat=True)) for name in links}
        changes = {n: [before[n], after[n]] for n in links if before[n] != after[n]}
        if changes:
            record_audit(
                actor=request.user,
                action=f"{obj._meta.model_name}.links_changed",
                target=obj,
                county=self.audit_county(obj),
                changes=changes,
            )


class CountyScopedAdmin(AuditedAdmin):
    """Rows of the administrator's counties only; foreign keys offer only those counties' rows;
    times in their county's zone when the administrator's counties share one."""

    county_path = "county"

    def _county_ids(self, request: HttpRequest) -> list[int] | None:
        return admin_county_ids(request.user)

    def _activate_county_zone(self, request: HttpRequest) -> None:
        county_ids = self._county_ids(request)
        if not county_ids:
            return
        zones = set(County.objects.filter(pk__in=county_ids).values_list("time_zone", flat=True))
        if len(zones) == 1:
            timezone.activate(ZoneInfo(zones.pop()))

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        self._activate_county_zone(request)
        return super().changelist_view(request, extra_context)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        self._activate_county_zone(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

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

    def get_list_filter(self, request: HttpRequest) -> Sequence[Any]:
        """A filter on a relation offers only what this administrator's rows point to, so that
        the sidebar never lists other counties, their sellers or brands."""
        if self._county_ids(request) is None:
            return super().get_list_filter(request)
        return [self._related_only(entry) for entry in super().get_list_filter(request)]

    def _related_only(self, entry: Any) -> Any:
        if not isinstance(entry, str):
            return entry
        field = get_fields_from_path(self.model, entry)[-1]
        return (entry, admin.RelatedOnlyFieldListFilter) if field.is_relation else entry

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
    """The list's columns, as CSV with a BOM so that Excel opens the Chinese text correctly;
    times in the record's county's zone with their offset (`2026-03-07T01:30:00+08:00`)."""
    columns = [c for c in modeladmin.get_list_display(request) if c != "__str__"]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{modeladmin.model._meta.model_name}.csv"'
    )
    response.write("\ufeff")
    writer = SafeCsvWriter(response)
    writer.writerow(columns)
    county_path = getattr(modeladmin, "county_path", "county")
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
        county = county_of(obj, county_path)
        writer.writerow([_csv_value(cell, county) for cell in row])
    return response


def _csv_value(value: Any, county: County | None) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return local_iso(value, county)
    return value
