"""Back office (Django admin): profiles editable; batches, events, scans, shipments read-only
(events are append-only and written only by the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from countyhub.trace.models import Batch, BatchShipment, Scan, TraceEvent, TraceProfile


@admin.register(TraceProfile)
class TraceProfileAdmin(admin.ModelAdmin):
    list_display = ("county", "division_code", "next_item_number")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("lot", "gtin", "product", "seller", "quantity", "unit", "expiry_date")
    list_filter = ("county",)
    search_fields = ("lot", "gtin", "product__name")


@admin.register(TraceEvent)
class TraceEventAdmin(ReadOnlyAdmin):
    list_display = ("batch", "sequence", "kind", "event_time", "event_hash")
    list_filter = ("kind", "county")
    search_fields = ("event_id", "batch__lot")


@admin.register(BatchShipment)
class BatchShipmentAdmin(ReadOnlyAdmin):
    list_display = ("batch", "order", "quantity", "created_at")
    search_fields = ("batch__lot", "order__number")


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ("batch", "scanned_at", "latitude", "longitude")
