"""The seller's daily work: the dashboard (orders to ship, stock and prices edited in place),
every order found by search and filters, packing slips and labels, and the sales report.

Every page is the seller's own: the sellers a user is staff of scope every query, and another
seller's product or order is missing (404)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog import services as catalog_services
from countyhub.catalog.errors import CatalogError
from countyhub.catalog.models import Product, Seller
from countyhub.core.numbers import plain_number
from countyhub.shop import reports, selectors
from countyhub.shop.charts import sales_chart_svg
from countyhub.shop.forms import OrderSearchForm, ProductQuickEditForm, ShipForm
from countyhub.shop.sales_report_jobs import start_sales_report_csv
from countyhub.shop.slips import FORMATS, slips_pdf

ORDERS_PER_PAGE = 25
PRODUCTS_PER_PAGE = 25
# A batch of slips is printed at once; more than this is a mistake, not a day's work.
MAX_SLIPS = 200


def _sellers(request: HttpRequest) -> list[Seller]:
    sellers = list(request.user.seller_staff_of.select_related("county"))
    if not sellers:
        raise PermissionDenied
    return sellers


def _own_products(sellers: list[Seller]) -> Any:
    return (
        Product.objects.filter(seller__in=sellers)
        .select_related("stock", "county")
        .order_by("name", "pk")
    )


def _edit_form(product: Product, data: Any = None) -> ProductQuickEditForm:
    """The in-place form of one product's row; ids carry the product so rows do not clash."""
    initial = {"price": product.price, "stock": plain_number(product.stock.quantity)}
    return ProductQuickEditForm(data, initial=initial, auto_id=f"p{product.pk}-%s")


def _dashboard(
    request: HttpRequest,
    sellers: list[Seller],
    *,
    edited: tuple[int, ProductQuickEditForm] | None = None,
) -> HttpResponse:
    seller_ids = [s.pk for s in sellers]
    months = selectors.last_months()
    monthly = selectors.monthly_sales(seller_ids=seller_ids, months=months)
    to_ship = selectors.orders_awaiting_shipment(seller_ids=seller_ids)
    orders_page = Paginator(to_ship, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    products_page = Paginator(_own_products(sellers), PRODUCTS_PER_PAGE).get_page(
        request.GET.get("products_page")
    )
    for product in products_page.object_list:
        # The product being edited keeps what was typed and its errors.
        product.edit_form = edited[1] if edited and edited[0] == product.pk else _edit_form(product)
    context = {
        "sellers": sellers,
        "county": sellers[0].county,
        "products": products_page.object_list,
        "products_page": products_page,
        "orders": orders_page.object_list,
        "page_obj": orders_page,
        "sales_chart": sales_chart_svg(monthly, label=_("Sales in the last 12 months")),
        "year_total": sum((total for _month, total in monthly), Decimal("0.00")),
        "ship_form": ShipForm(),
    }
    return render(
        request, "shop/seller_dashboard.html", context, status=400 if edited is not None else 200
    )


@login_required
def seller_dashboard(request: HttpRequest) -> HttpResponse:
    return _dashboard(request, _sellers(request))


@login_required
@require_POST
def seller_product(request: HttpRequest, product_id: int) -> HttpResponse:
    """Change a product's price and stock on hand from the dashboard, through the same service
    (and audit entry) as the API; a refusal shows on its field."""
    sellers = _sellers(request)
    product = _own_products(sellers).filter(pk=product_id).first()
    if product is None:
        raise Http404
    form = _edit_form(product, request.POST)
    if form.is_valid():
        try:
            catalog_services.update_product(
                product=product,
                actor=request.user,
                price=form.cleaned_data["price"],
                stock_quantity=form.cleaned_data["stock"],
            )
        except CatalogError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    if not form.is_valid():
        if request.htmx:
            product.edit_form = form
            return render(
                request, "shop/_product_row.html", {"product": product, "saved": False}, status=400
            )
        return _dashboard(request, sellers, edited=(product.pk, form))
    if request.htmx:
        product = _own_products(sellers).get(pk=product.pk)
        product.edit_form = _edit_form(product)
        return render(request, "shop/_product_row.html", {"product": product, "saved": True})
    messages.success(request, _("%(product)s saved.") % {"product": product.name})
    return redirect("shop:seller_dashboard")


@login_required
def seller_orders(request: HttpRequest) -> HttpResponse:
    """Every order of the seller's, shipped and done included, by search, filters and pages."""
    sellers = _sellers(request)
    form = OrderSearchForm(request.GET or None, county_ids=[s.county_id for s in sellers])
    orders = selectors.seller_orders(
        seller_ids=[s.pk for s in sellers], **(form.filters() if form.is_bound else {})
    )
    page_obj = Paginator(orders, ORDERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "sellers": sellers,
        "form": form,
        "orders": page_obj.object_list,
        "page_obj": page_obj,
    }
    return render(request, "shop/seller_orders.html", context)


@login_required
def packing_slips(request: HttpRequest) -> HttpResponse:
    """The chosen orders' packing slips (A4) or shipping labels (100 x 150 mm) as one PDF."""
    sellers = _sellers(request)
    numbers = request.GET.getlist("order")[:MAX_SLIPS]
    fmt = FORMATS.get(request.GET.get("format", ""), FORMATS["a4"])
    chosen = {
        order.number: order
        for order in selectors.seller_orders(seller_ids=[s.pk for s in sellers])
        .filter(number__in=numbers)
        .select_related("seller")
    }
    if not chosen:
        messages.error(request, _("Choose the orders to print."))
        return redirect("shop:seller_orders")
    # The slips come out in the order the orders were ticked (the list's order).
    pdf = slips_pdf([chosen[n] for n in dict.fromkeys(numbers) if n in chosen], fmt)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{fmt.name}-slips.pdf"'
    return response


def _report_months(year: str) -> tuple[list[datetime.date], int | None]:
    """The months asked for: a calendar year (`2025`), else the last 12 months."""
    this_year = timezone.localdate().year
    if year.isdigit() and this_year - 20 <= int(year) <= this_year:
        return [datetime.date(int(year), month, 1) for month in range(1, 13)], int(year)
    return selectors.last_months(), None


@login_required
def sales_report(request: HttpRequest) -> HttpResponse:
    """Sales by product and month over the last 12 months or a calendar year (`?year=2025`), as
    a table and a chart, with the CSV offered (see sales_report_csv)."""
    sellers = _sellers(request)
    months, year = _report_months(request.GET.get("year", ""))
    report = reports.SalesReport.build(seller_ids=[s.pk for s in sellers], months=months)
    this_year = timezone.localdate().year
    context = {
        "sellers": sellers,
        "report": report,
        "year": year,
        "years": range(this_year, this_year - 3, -1),
        "chart": sales_chart_svg(report.monthly, label=_("Sales by month")),
    }
    return render(request, "shop/sales_report.html", context)


@login_required
@require_POST
def sales_report_csv(request: HttpRequest) -> HttpResponse:
    """Start the CSV of the report the page shows (the posted `year`, else the last 12 months)
    and show its job's page, which offers the file once it is made."""
    sellers = _sellers(request)
    months, year = _report_months(request.POST.get("year", ""))
    job = start_sales_report_csv(actor=request.user, sellers=sellers, months=months, year=year)
    return redirect("job", job_id=job.pk)
