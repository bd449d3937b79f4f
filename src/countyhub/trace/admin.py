"""Back office (Django admin), scoped to the administrator's counties: traceability profiles
editable (a county sets its division code there); batches, events, scans, shipments, cases and
pallets read-only (events are append-only and written only by the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from countyhub.core.admin_tools import CountyScopedAdmin
from countyhub.trace.models import (
    Batch,
    BatchShipment,
    Container,
    Scan,
    TraceEvent,
    TraceProfile,
)


@admin.register(TraceProfile)
class TraceProfileAdmin(CountyScopedAdmin):
    list_display = ("county", "division_code", "next_item_number", "next_sscc_serial")
    # The counters only move forward, through the services: identifiers are never reused.
    readonly_fields = ("next_item_number", "next_sscc_serial")


class ReadOnlyAdmin(CountyScopedAdmin):
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
    county_path = "batch__county"
    list_display = ("batch", "order", "quantity", "created_at")
    search_fields = ("batch__lot", "order__number")


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    county_path = "batch__county"
    list_display = ("batch", "scanned_at", "latitude", "longitude")


@admin.register(Container)
class ContainerAdmin(ReadOnlyAdmin):
    list_display = (
        "sscc",
        "level",
        "seller",
        "parent",
        "packed_at",
        "received_station",
        "unpacked_at",
    )
    list_filter = ("level", "county")
    search_fields = ("sscc",)
