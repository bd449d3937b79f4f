"""Courses and their sessions, changed through the training services (audited)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from countyhub.core.admin_tools import AuditedAdmin
from countyhub.training import services
from countyhub.training.errors import TrainingError
from countyhub.training.models import Course, Session

COURSE_FIELDS = ("title", "title_en", "syllabus", "hours")
SESSION_FIELDS = ("date", "place", "trainer", "capacity")


class SessionInlineForm(forms.ModelForm):
    """Asks the service's question early, so that too few seats show on the field."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is not None and not self.errors:
            try:
                services.check_session_change(session=self.instance, capacity=data["capacity"])
            except TrainingError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return data


class SessionInline(admin.TabularInline):
    model = Session
    form = SessionInlineForm
    extra = 0


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    list_display = ("title", "county", "hours")
    list_filter = ("county",)
    fields = ("county", *COURSE_FIELDS)
    inlines = (SessionInline,)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("county",) if obj is not None else ()

    def save_model(self, request: HttpRequest, obj: Course, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in COURSE_FIELDS}
        if change:
            services.update_course(actor=request.user, course=obj, **data)
        else:
            obj.pk = services.create_course(actor=request.user, county=obj.county, **data).pk

    def save_inline(self, request: HttpRequest, parent: Any, obj: Any, county: Any) -> None:
        data = {name: getattr(obj, name) for name in SESSION_FIELDS}
        if obj.pk:
            services.update_session(actor=request.user, session=obj, **data)
        else:
            services.schedule_session(actor=request.user, course=parent, **data)
