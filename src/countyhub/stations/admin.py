"""Stations in the back office, read-only: they change on the programs' stations page, through
`stations.services`, and operators are appointed as memberships."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from countyhub.core.admin_tools import CountyScopedAdmin, export_as_csv
from countyhub.stations.models import Station


@admin.register(Station)
class StationAdmin(CountyScopedAdmin):
    list_display = (
        "village",
        "county",
        "operator_name",
        "operator_accounts",
        "opening_hours",
        "opened_on",
        "active",
    )
    list_filter = ("county", "active")
    search_fields = ("village__name", "address", "operator_name")
    list_select_related = ("village", "county")
    actions = (export_as_csv,)

    @admin.display(description=_("operator accounts"))
    def operator_accounts(self, station: Station) -> str:
        return ", ".join(user.username for user in station.operators())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
