"""The seller's dashboard."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from countyhub.catalog.models import Product
from countyhub.shop import selectors
from countyhub.shop.charts import sales_chart_svg
from countyhub.shop.forms import (
    ShipForm,
)


@login_required
def seller_dashboard(request: HttpRequest) -> HttpResponse:
    sellers = list(request.user.seller_staff_of.select_related("county"))
    if not sellers:
        raise PermissionDenied
    seller_ids = [s.pk for s in sellers]
    since = timezone.now() - datetime.timedelta(days=365)
    products = (
        Product.objects.filter(seller_id__in=seller_ids)
        .select_related("stock", "county")
        .order_by("name")
    )
    monthly = selectors.monthly_sales(seller_ids=seller_ids, since=since)
    context = {
        "sellers": sellers,
        "county": sellers[0].county,
        "products": products,
        "orders": selectors.orders_awaiting_shipment(seller_ids=seller_ids),
        "sales_chart": sales_chart_svg(monthly),
        "year_total": sum((total for _month, total in monthly), Decimal("0.00")),
        "ship_form": ShipForm(),
    }
    return render(request, "shop/seller_dashboard.html", context)
