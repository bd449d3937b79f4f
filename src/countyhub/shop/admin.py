from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from countyhub.core.admin_tools import CountyScopedAdmin, export_as_csv
from countyhub.shop import services
from countyhub.shop.errors import ShopError
from countyhub.shop.models import Order, OrderEvent, OrderLine, Refund


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = (
        "product",
        "product_name",
        "unit",
        "quantity",
        "unit_price",
        "line_total",
        "refunded_quantity",
        "refunded_amount",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(admin.TabularInline):
    """Refunds are made by shop.services.record_refund (after-sales, refund_order), not here."""

    model = Refund
    extra = 0
    can_delete = False
    readonly_fields = (
        "amount",
        "currency",
        "method",
        "reference",
        "refunded_by",
        "refunded_at",
        "note",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("created_at", "from_status", "to_status", "kind", "actor", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(CountyScopedAdmin):
    """Orders change status only through the services (actions below), never by editing."""

    list_display = (
        "number",
        "placed_at",
        "buyer",
        "seller",
        "status",
        "payment_method",
        "total",
        "refunded_total",
        "station",
    )
    list_filter = ("status", "payment_method", "delivery_method", "seller", "county")
    search_fields = ("number", "buyer__username", "recipient_name", "phone", "placed_for_name")
    date_hierarchy = "placed_at"
    list_select_related = ("buyer", "seller", "station__village")
    readonly_fields = tuple(f.name for f in Order._meta.fields)
    inlines = (OrderLineInline, RefundInline, OrderEventInline)
    actions = ("mark_paid", "cancel", "confirm_delivery", export_as_csv)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Viewing only: the actions below move an order, through the services.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Orders are the county's sales records (payouts and KPIs count them): cancel, never delete.
        return False

    def _apply(self, request: HttpRequest, queryset: QuerySet[Order], service: Any) -> None:
        done = 0
        for order in queryset:
            try:
                service(order=order, actor=request.user)
            except ShopError as error:
                self.message_user(request, f"{order.number}: {error.message}", level="warning")
            else:
                done += 1
        self.message_user(request, _("%(n)d orders updated.") % {"n": done})

    @admin.action(description=_("Mark bank transfer received"))
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset, services.mark_order_paid)

    @admin.action(description=_("Cancel selected orders"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset, services.cancel_order)

    @admin.action(description=_("Confirm delivery"))
    def confirm_delivery(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset, services.confirm_delivery)
