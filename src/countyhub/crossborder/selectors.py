"""Queries of cross-border exports: rates, HS lines, what a product lacks to be exported, export
orders a user may see, and the export reports."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product, Seller, SellerHousehold
from countyhub.core.models import County
from countyhub.core.permissions import is_county_admin, is_customs_broker
from countyhub.crossborder.errors import CrossborderError, CrossborderErrorCode
from countyhub.crossborder.models import (
    ComplianceRecord,
    ExchangeRate,
    ExportOrder,
    HSCode,
    ProductTradeData,
    RateSource,
    receipt_status_label,
)
from countyhub.customs.currencies import CNY, to_cny


def rate_on(currency: str, day: datetime.date, source: str = RateSource.PBOC) -> ExchangeRate:
    """The rate of `currency` on `day` by `source`; a clear refusal when it is missing."""
    rate = ExchangeRate.objects.filter(currency=currency, date=day, source=source).first()
    if rate is None:
        raise CrossborderError(
            CrossborderErrorCode.MISSING_RATE,
            _(
                "There is no %(source)s rate for %(currency)s on %(date)s: enter it or import "
                "that day's rates."
            )
            % {
                "source": RateSource(source).label,
                "currency": currency,
                "date": day.isoformat(),
            },
            field="currency",
        )
    return rate


def hs_line(code: str, day: datetime.date) -> HSCode | None:
    """The HS code table's line for a 10-digit code valid on `day`, if any."""
    for line in HSCode.objects.filter(code=code[:10], valid_from__lte=day).order_by("-valid_from"):
        if line.is_valid_on(day):
            return line
    return None


def trade_data_gaps(
    product: Product, destination: str, day: datetime.date | None = None
) -> list[str]:
    """What the product lacks to be exported to `destination` (ISO 3166 alpha-2) on `day`
    (today by default), in words for the seller; empty when it may be listed and declared.
    The channels' cross-border listing asks this before a product goes on sale abroad."""
    day = day or datetime.date.today()  # noqa: DTZ011 - a calendar day, the caller's default
    try:
        data = product.trade_data
    except ProductTradeData.DoesNotExist:
        return [_("Trade data is missing: HS code, declared names, weights, producer.")]
    gaps = []
    for value, label in (
        (data.declared_name_en, _("English declared name")),
        (data.declared_name_zh, _("Chinese declared name")),
        (data.gmodel, _("declaration elements")),
        (data.customs_unit, _("customs unit")),
    ):
        if not value.strip():
            gaps.append(_("%(field)s is missing.") % {"field": label})
    line = hs_line(data.hs_code, day)
    if line is None:
        gaps.append(
            _("HS code %(code)s is not in the HS code table for %(date)s.")
            % {"code": data.gcode, "date": day.isoformat()}
        )
    elif line.needs_inspection:
        covered = any(
            record.covers(destination=destination, hs_code=data.gcode, day=day)
            for record in ComplianceRecord.objects.filter(producer=data.producer_id)
        )
        if not covered:
            gaps.append(
                _(
                    "HS code %(code)s needs exit inspection (%(category)s): the producer needs a "
                    "valid export compliance record covering %(destination)s."
                )
                % {
                    "code": data.gcode,
                    "category": line.inspection_category,
                    "destination": destination,
                }
            )
    return gaps


def may_manage_exports(user: Any, seller: Seller) -> bool:
    """The seller's staff and the county's administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_county_admin(user, seller.county_id) or seller.staff.filter(pk=user.pk).exists()


def export_orders_for(user: Any, county: County) -> QuerySet[ExportOrder]:
    """The export orders of a county a user may see: all for county staff and the county's
    customs brokers (who declare them), else their sellers'."""
    orders = ExportOrder.objects.filter(county=county).select_related("order", "order__seller")
    if is_county_admin(user, county) or is_customs_broker(user, county):
        return orders
    return orders.filter(order__seller__staff=user)


def may_import_receipts(user: Any, county: County) -> bool:
    """County staff and the county's customs brokers."""
    return is_county_admin(user, county) or is_customs_broker(user, county)


REPORT_DIMENSIONS = ("destination", "currency", "mode", "product")


def export_sales(county: County) -> dict[str, list[dict[str, Any]]]:
    """Export sales by destination, currency, mode and product: orders, quantity, the amount in
    the order currency (by currency only: amounts in different currencies do not add up) and in
    CNY at each order's frozen rate, and how much of that came from products of sellers linked
    to registered-poor households (as the channels' sales report counts them); and declarations
    by receipt status."""
    poor_sellers = set(
        SellerHousehold.objects.filter(
            household__registered_poor=True, seller__county=county
        ).values_list("seller_id", flat=True)
    )
    orders = (
        ExportOrder.objects.filter(county=county)
        .select_related("order")
        .prefetch_related("lines__order_line__product")
    )
    groups: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {
        name: defaultdict(
            lambda: {
                "orders": set(),
                "quantity": Decimal(0),
                "amount": Decimal(0),
                "cny": Decimal(0),
                "poor_cny": Decimal(0),
            }
        )
        for name in REPORT_DIMENSIONS
    }
    statuses: dict[int, int] = defaultdict(int)
    for export in orders:
        statuses[export.status] += 1
        for line in export.lines.all():
            cny = (
                line.line_total
                if export.currency == CNY
                else to_cny(line.line_total, export.fx_rate)
            )
            product = line.order_line.product
            keys = {
                "destination": (export.destination,),
                "currency": (export.currency,),
                "mode": (export.mode,),
                "product": (str(product.pk), product.name_en or product.name),
            }
            for name, key in keys.items():
                group = groups[name][key]
                group["orders"].add(export.pk)
                group["quantity"] += line.quantity
                group["amount"] += line.line_total
                group["cny"] += cny
                if export.order.seller_id in poor_sellers:
                    group["poor_cny"] += cny
    report: dict[str, list[dict[str, Any]]] = {}
    for name, by_key in groups.items():
        report[name] = [
            {
                "key": list(key),
                "orders": len(values["orders"]),
                "quantity": values["quantity"],
                "amount": values["amount"] if name == "currency" else None,
                "cny": values["cny"],
                "poor_cny": values["poor_cny"],
                "poor_share": values["poor_cny"] / values["cny"] if values["cny"] else None,
            }
            for key, values in sorted(by_key.items())
        ]
    report["status"] = [
        {"key": [str(code), receipt_status_label(code)], "orders": count}
        for code, count in sorted(statuses.items())
    ]
    return report


@dataclass(frozen=True)
class ExportKpis:
    """Exports in CNY at each order's frozen rate: by destination and month (the export
    date's), by destination, in total, and the share from products of sellers linked to
    registered-poor households."""

    months: list[str]  # "2026-12", oldest first
    destinations: list[str]  # ISO alpha-2, largest value first
    cells: dict[tuple[str, str], Decimal]  # (destination, month) → CNY
    by_destination: dict[str, Decimal]
    poor_by_destination: dict[str, Decimal]
    total: Decimal
    poor_total: Decimal

    @property
    def poor_share(self) -> Decimal | None:
        """Fraction of the CNY value (0–1), None without exports."""
        return self.poor_total / self.total if self.total else None

    def rows(self) -> list[tuple[str, list[Decimal], Decimal]]:
        """Per destination: its value in each month and its total (for the table)."""
        return [
            (
                destination,
                [self.cells.get((destination, month), Decimal(0)) for month in self.months],
                self.by_destination[destination],
            )
            for destination in self.destinations
        ]


def export_kpis(orders: QuerySet[ExportOrder]) -> ExportKpis:
    """The KPIs of the given export orders (pass those the user may see)."""
    orders = orders.select_related("order").prefetch_related("lines")
    county_ids = {export.county_id for export in orders}
    poor_sellers = set(
        SellerHousehold.objects.filter(
            household__registered_poor=True, seller__county__in=county_ids
        ).values_list("seller_id", flat=True)
    )
    cells: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    by_destination: dict[str, Decimal] = defaultdict(Decimal)
    poor: dict[str, Decimal] = defaultdict(Decimal)
    months: set[str] = set()
    for export in orders:
        month = export.export_date.strftime("%Y-%m")
        months.add(month)
        for line in export.lines.all():
            cny = (
                line.line_total
                if export.currency == CNY
                else to_cny(line.line_total, export.fx_rate)
            )
            cells[export.destination, month] += cny
            by_destination[export.destination] += cny
            if export.order.seller_id in poor_sellers:
                poor[export.destination] += cny
    destinations = sorted(by_destination, key=lambda d: (-by_destination[d], d))
    return ExportKpis(
        months=sorted(months),
        destinations=destinations,
        cells=dict(cells),
        by_destination=dict(by_destination),
        poor_by_destination={d: poor.get(d, Decimal(0)) for d in destinations},
        total=sum(by_destination.values(), Decimal(0)),
        poor_total=sum(poor.values(), Decimal(0)),
    )
