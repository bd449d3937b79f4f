"""The outbox, read-only, with a resend action; and sellers' low-stock thresholds."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from countyhub.core.admin_tools import CountyScopedAdmin
from countyhub.notifications import services
from countyhub.notifications.models import Notification, StockThreshold


@admin.register(Notification)
class NotificationAdmin(CountyScopedAdmin):
    list_display = ("created_at", "kind", "channel", "address", "subject", "status", "attempts")
    list_filter = ("status", "channel", "kind")
    search_fields = ("address", "subject", "idempotency_key")
    date_hierarchy = "created_at"
    actions = ("resend",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.action(description=_("Send the selected messages again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        notifications = list(queryset)
        for notification in notifications:
            services.resend(notification=notification, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued again.",
                "%(count)d messages queued again.",
                len(notifications),
            )
            % {"count": len(notifications)},
            messages.SUCCESS,
        )


@admin.register(StockThreshold)
class StockThresholdAdmin(CountyScopedAdmin):
    county_path = "seller__county"
    list_display = ("seller", "product", "threshold")
