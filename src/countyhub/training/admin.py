from django.contrib import admin

from countyhub.training.models import Course, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "county", "hours")
    list_filter = ("county",)
    inlines = (SessionInline,)
