"""The 832 records county staff keep by hand: the departments' recommendations of suppliers,
the suppliers' qualification documents with their expiry, the budget units that buy and the
reserved shares they filed. Every write is audited (countyhub.core.admin_tools)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from countyhub.channels.gov832 import BuyerUnit, QualificationDocument, Recommendation, Reservation
from countyhub.core.admin_tools import CountyScopedAdmin


@admin.register(Recommendation)
class RecommendationAdmin(CountyScopedAdmin):
    county_path = "seller__county"
    list_display = ("seller", "department", "recommended_on")
    list_filter = ("seller",)
    search_fields = ("seller__name", "department")
    date_hierarchy = "recommended_on"


@admin.register(QualificationDocument)
class QualificationDocumentAdmin(CountyScopedAdmin):
    county_path = "seller__county"
    list_display = ("seller", "kind", "number", "valid_from", "valid_until")
    list_filter = ("kind", "seller")
    search_fields = ("seller__name", "number")
    date_hierarchy = "valid_until"


@admin.register(BuyerUnit)
class BuyerUnitAdmin(CountyScopedAdmin):
    list_display = ("name", "kind", "level", "region_code")
    list_filter = ("kind", "level")
    search_fields = ("name", "region_code")


@admin.register(Reservation)
class ReservationAdmin(CountyScopedAdmin):
    county_path = "unit__county"
    list_display = ("unit", "year", "canteen_food_total", "percent", "reserved_amount")
    list_filter = ("year", "unit")
    search_fields = ("unit__name",)
    readonly_fields = ("reserved_amount",)

    @admin.display(description=_("reserved amount (CNY)"))
    def reserved_amount(self, reservation: Reservation) -> Decimal | None:
        if reservation.canteen_food_total is None or reservation.percent is None:
            return None
        return reservation.amount
