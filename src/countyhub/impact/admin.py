"""The county's reference prices in the back office (also entered and imported on the living
costs page); saved through save_with_audit like every plain record."""

from __future__ import annotations

from django.contrib import admin

from countyhub.core.admin_tools import CountyScopedAdmin, export_as_csv
from countyhub.impact.models import ReferencePrice


@admin.register(ReferencePrice)
class ReferencePriceAdmin(CountyScopedAdmin):
    list_display = ("year", "item_name", "unit", "price", "place", "source", "county")
    list_filter = ("county", "year")
    search_fields = ("category__name", "product__name", "place", "source")
    list_select_related = ("county", "category", "product")
    fields = ("county", "year", "category", "product", "unit", "price", "place", "source")
    actions = (export_as_csv,)
