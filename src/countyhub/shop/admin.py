from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from countyhub.core.admin_tools import CountyScopedAdmin, export_as_csv
from countyhub.shop import services
from countyhub.shop.errors import ShopError
from countyhub.shop.models import (
    Order,
    OrderEvent,
    OrderLine,
    Refund,
    ShippingRate,
    StationDay,
    StationDayLine,
    StationHandover,
)
from countyhub.shop.services.shipping import (
    check_shipping_rate,
    delete_shipping_rate,
    save_shipping_rate,
)


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
        "shipping_fee",
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


class ReadOnlyStationDeskAdmin(CountyScopedAdmin):
    """The station desk's records are written by its services only (a closed day is corrected
    by a new one at the station's day page): county staff read them here."""

    county_path = "station__county"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StationDayLineInline(admin.TabularInline):
    model = StationDayLine
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "order", "seller_name", "cash_due", "cash_collected", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StationDay)
class StationDayAdmin(ReadOnlyStationDeskAdmin):
    list_display = (
        "day",
        "station",
        "closed_by",
        "closed_at",
        "received",
        "handed_over",
        "returned",
        "cash_collected",
        "cash_counted",
        "corrects",
    )
    list_filter = ("station",)
    date_hierarchy = "day"
    inlines = (StationDayLineInline,)


@admin.register(StationHandover)
class StationHandoverAdmin(ReadOnlyStationDeskAdmin):
    list_display = (
        "order",
        "station",
        "handed_over_by",
        "handed_over_at",
        "cash_due",
        "cash_collected",
        "difference_reason",
        "staff_reason",
    )
    list_filter = ("station",)
    date_hierarchy = "handed_over_at"


class ShippingRateAdminForm(forms.ModelForm):
    class Meta:
        model = ShippingRate
        fields = (
            "seller",
            "delivery_method",
            "region_code",
            "region_name",
            "first_weight",
            "first_fee",
            "additional_fee",
            "free_above",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            try:
                # The service's refusals show on the field, as on the seller's own page.
                check_shipping_rate(construct_instance(self, self.instance))
            except ShopError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(ShippingRate)
class ShippingRateAdmin(CountyScopedAdmin):
    """Sellers' rates, changed through the shipping service (the county comes from the seller)."""

    form = ShippingRateAdminForm
    list_display = (
        "seller",
        "delivery_method",
        "region_code",
        "region_name",
        "first_weight",
        "first_fee",
        "additional_fee",
        "free_above",
    )
    list_filter = ("delivery_method", "seller", "county")
    search_fields = ("seller__name", "region_code", "region_name")
    list_select_related = ("seller",)
    actions = (export_as_csv,)

    def save_model(self, request: HttpRequest, obj: ShippingRate, form: Any, change: bool) -> None:
        save_shipping_rate(actor=request.user, rate=obj, check_actor=False)

    def delete_model(self, request: HttpRequest, obj: ShippingRate) -> None:
        delete_shipping_rate(actor=request.user, rate=obj, check_actor=False)
