"""Cross-border pages for sellers and county staff: a product's trade data (saying what is
missing), export orders with their documents and customs messages, the export report as CSV."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from countyhub.catalog.models import Product
from countyhub.core.models import County
from countyhub.core.permissions import is_county_admin, is_customs_broker
from countyhub.core.spreadsheets import SafeCsvWriter
from countyhub.crossborder import documents, selectors, services
from countyhub.crossborder.charts import destinations_svg
from countyhub.crossborder.declarations import (
    MESSAGE_FILES,
    SUMMARY_FILE,
    export_messages,
    needs_summary,
    summary_application_of,
    summary_message,
)
from countyhub.crossborder.errors import CrossborderError
from countyhub.crossborder.forms import ReceiptUploadForm, StatusForm, TradeDataForm
from countyhub.crossborder.models import ExportOrder, ProductTradeData
from countyhub.customs.currencies import format_amount
from countyhub.customs.messages import RECEIPT_TYPES

DOCUMENTS = {
    "invoice.pdf": ("application/pdf", documents.invoice_pdf),
    "packing-list.pdf": ("application/pdf", documents.packing_pdf),
}
DATA = {"invoice.json": documents.invoice_data, "packing-list.json": documents.packing_data}


def _county(slug: str) -> County:
    return get_object_or_404(County, slug=slug)


@login_required
def trade_data(request: HttpRequest, county_slug: str, product_id: int) -> HttpResponse:
    county = _county(county_slug)
    product = get_object_or_404(
        Product.objects.select_related("seller"), pk=product_id, county=county
    )
    if not selectors.may_manage_exports(request.user, product.seller):
        raise PermissionDenied
    instance = ProductTradeData.objects.filter(product=product).first()
    form = TradeDataForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in TradeDataForm.Meta.fields}
        try:
            services.save_seller_trade_data(
                actor=request.user,
                product=product,
                producer_code=form.cleaned_data["producer_code"],
                **values,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Trade data saved."))
            return redirect("crossborder:trade_data", county.slug, product.pk)
    destination = request.GET.get("destination", "US").upper()[:2]
    context = {
        "county": county,
        "product": product,
        "form": form,
        "destination": destination,
        "gaps": selectors.trade_data_gaps(product, destination),
    }
    return render(
        request, "crossborder/trade_data.html", context, status=400 if form.errors else 200
    )


@login_required
def export_orders(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(county_slug)
    orders = selectors.export_orders_for(request.user, county)
    sells = is_county_admin(request.user, county) or (
        request.user.seller_staff_of.filter(county=county).exists()
    )
    broker = is_customs_broker(request.user, county)
    if not sells and not broker:
        raise PermissionDenied
    context: dict[str, object] = {
        "county": county,
        "exports": orders,
        "may_report": is_county_admin(request.user, county),
        "may_import_receipts": selectors.may_import_receipts(request.user, county),
    }
    if sells:
        # The sales figures (and the registered-poor households' share) are the county's and
        # the sellers', not the broker's, who declares the orders.
        kpis = selectors.export_kpis(orders)
        context.update(
            kpis=kpis,
            poor_percent=None if kpis.poor_share is None else kpis.poor_share * 100,
            chart=destinations_svg(kpis),
        )
    return render(request, "crossborder/exports.html", context)


def _export(request: HttpRequest, county: County, export_id: int) -> ExportOrder:
    return get_object_or_404(
        selectors.export_orders_for(request.user, county).select_related(
            "platform", "ecommerce", "logistics", "payment", "agent", "producer"
        ),
        pk=export_id,
    )


@login_required
def export_order(request: HttpRequest, county_slug: str, export_id: int) -> HttpResponse:
    county = _county(county_slug)
    export = _export(request, county, export_id)
    form = StatusForm(request.POST or None)
    if request.method == "POST":
        if not selectors.may_manage_exports(request.user, export.order.seller):
            raise PermissionDenied
        if form.is_valid():
            services.record_status(actor=request.user, export=export, **form.cleaned_data)
            messages.success(request, _("Customs status recorded."))
            return redirect("crossborder:export", county.slug, export.pk)
    context = {
        "county": county,
        "export": export,
        "form": form,
        "lines": export.lines.all(),
        "statuses": export.statuses.all(),
        "summary": summary_application_of(export),
        "documents": export.documents.all(),
        "downloads": [
            *DOCUMENTS,
            *DATA,
            *MESSAGE_FILES.values(),
            *([SUMMARY_FILE] if needs_summary(export) else []),
        ],
        "problems": documents.totals_problems(export),
        "may_record": selectors.may_manage_exports(request.user, export.order.seller),
    }
    return render(request, "crossborder/export.html", context, status=400 if form.errors else 200)


@login_required
def download(request: HttpRequest, county_slug: str, export_id: int, name: str) -> HttpResponse:
    county = _county(county_slug)
    export = _export(request, county, export_id)
    if name in DOCUMENTS:
        content_type, render_pdf = DOCUMENTS[name]
        body: bytes = render_pdf(export)
    elif name in DATA:
        content_type = "application/json"
        body = json.dumps(DATA[name](export), ensure_ascii=False, default=str, indent=2).encode()
    elif name in MESSAGE_FILES.values():
        body = export_messages(export)[name]
        content_type = "application/xml"
    elif name == SUMMARY_FILE and needs_summary(export):
        body = summary_message(export)
        content_type = "application/xml"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.order.number}-{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def receipts(request: HttpRequest, county_slug: str) -> HttpResponse:
    """The county's customs broker uploads GACC receipt messages (CEB304, CEB404, CEB506,
    CEB510, CEB604, and CEB702 for summary applications); each export order's or summary
    application's status follows. A bad file changes nothing and says
    where it is wrong; the same file twice adds nothing."""
    county = _county(county_slug)
    if not selectors.may_import_receipts(request.user, county):
        raise PermissionDenied
    form = ReceiptUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.import_receipts(
                actor=request.user, county=county, xml=upload.read(), filename=upload.name
            )
        except CrossborderError as error:
            form.add_error("file", error.message)
            problems = error.problems
        else:
            messages.success(
                request,
                _("%(added)s receipt(s) added, %(already)s already recorded.")
                % {"added": result.added, "already": result.already},
            )
            return redirect("crossborder:receipts", county.slug)
    context = {
        "county": county,
        "form": form,
        "problems": problems,
        "types": RECEIPT_TYPES,
    }
    return render(request, "crossborder/receipts.html", context, status=400 if form.errors else 200)


@login_required
def report_csv(request: HttpRequest, county_slug: str) -> HttpResponse:
    """Export sales by destination, currency, mode and product (each with the registered-poor
    households' share), and declarations by status."""
    county = _county(county_slug)
    if not is_county_admin(request.user, county):
        raise PermissionDenied
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="exports-{county.slug}.csv"'
    response.write("\ufeff")  # Excel and WPS read UTF-8 only with its byte-order mark
    writer = SafeCsvWriter(response)
    writer.writerow(
        [
            "dimension",
            "key",
            "name",
            "orders",
            "quantity",
            "amount",
            "cny",
            "poor_linked_cny",
            "poor_share",
        ]
    )
    for dimension, rows in selectors.export_sales(county).items():
        for row in rows:
            key = row["key"]
            writer.writerow(
                [
                    dimension,
                    key[0],
                    key[1] if len(key) > 1 else "",
                    row["orders"],
                    row.get("quantity", ""),
                    "" if row.get("amount") is None else format_amount(row["amount"], key[0]),
                    row.get("cny", ""),
                    row.get("poor_cny", ""),
                    "" if row.get("poor_share") is None else f"{row['poor_share']:.4f}",
                ]
            )
    return response
