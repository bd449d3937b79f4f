"""Back office: a seller's batches (list, new, detail, serialised units, labels) and recalls."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.catalog.models import Product
from countyhub.core.local_time import activate_county_time_zone
from countyhub.gs1 import labels
from countyhub.trace import charts, epc, forms, policies, selectors, services
from countyhub.trace.errors import TraceError
from countyhub.trace.identifiers import harvest_lot_uri, lot_uri
from countyhub.trace.label_sheets import batch_label_content, start_label_sheet
from countyhub.trace.models import Batch, EventKind

BATCHES_PER_PAGE = 25


def _batch_for(request: HttpRequest, pk: int, *, record: bool = False) -> Batch:
    batch = get_object_or_404(Batch.objects.select_related("product", "seller", "county"), pk=pk)
    allowed = policies.may_record if record else policies.may_view
    if not allowed(request.user, batch):
        raise PermissionDenied
    # Its pages show and take times in the batch's county's zone (no county in the address).
    activate_county_time_zone(batch.county)
    return batch


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    visible = selectors.batches_visible_to(request.user).order_by("-created_at", "-pk")
    page_obj = Paginator(visible, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    batches = list(page_obj.object_list)
    if not batches and not policies.seller_ids_of(request.user):
        raise PermissionDenied
    counts = selectors.scan_counts([b.pk for b in batches])
    rows = [(b, *counts.get(b.pk, (0, 0))) for b in batches]
    context = {
        "rows": rows,
        "page_obj": page_obj,
        "county": batches[0].county if batches else None,
        # The chart counts the scans of every batch the user sees, not only this page's.
        "scans_chart": charts.scans_svg(
            selectors.scans_per_day(list(visible.values_list("pk", flat=True)))
        ),
    }
    return render(request, "trace/batch_list.html", context)


@login_required
def batch_create(request: HttpRequest) -> HttpResponse:
    seller_ids = policies.seller_ids_of(request.user)
    if not seller_ids:
        raise PermissionDenied
    products = Product.objects.filter(seller_id__in=seller_ids).order_by("name")
    form = forms.BatchForm(request.POST or None, products=products)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.create_batch(
                actor=request.user,
                product=data["product"],
                lot=data["lot"],
                quantity=data["quantity"],
                plot=data["plot"],
                production_date=data["production_date"],
                expiry_date=data["expiry_date"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                serial_count=data["serial_count"] or 0,
            )
        except TraceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Batch %(lot)s created.") % {"lot": batch.lot})
            return redirect("trace:batch", batch.pk)
    return render(request, "trace/batch_form.html", {"form": form, "draft_key": "batch-new"})


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    rows = list(batch.events.order_by("sequence"))
    corrected = {row.corrects_id for row in rows if row.kind == EventKind.ERROR_DECLARATION}
    entries = []
    for row in rows:
        entry = selectors.timeline_entry(row)
        entry.corrected = row.pk in corrected
        entries.append(entry)
    total, recent = selectors.scan_counts([batch.pk]).get(batch.pk, (0, 0))
    context = {
        "batch": batch,
        "county": batch.county,
        "entries": entries,
        "steps": selectors.offered_steps(batch),
        "uri": lot_uri(batch),
        "harvest_uri": harvest_lot_uri(batch),
        "qr_svg": labels.qr_svg(lot_uri(batch), scale=3),
        "scans_total": total,
        "scans_recent": recent,
        "units": _unit_identifiers(batch),
        "sheet_form": forms.LabelSheetForm(),
        "may_record": policies.may_record(request.user, batch),
        "correctable": list(forms.STEP_FORMS),
    }
    return render(request, "trace/batch_detail.html", context)


UNITS_ON_PAGE = 200


def _unit_identifiers(batch: Batch) -> epc.BatchUnits:
    """Each serialised unit's Digital Link, EPC URI and RFID tag (SGTIN-96 or SGTIN-198), or
    why there are no tags (the GTIN's company prefix length is not known)."""
    return epc.batch_units(batch, limit=UNITS_ON_PAGE)


@login_required
def batch_units_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """All serialised units of a batch for an RFID encoding station (its seller, county staff)."""
    batch = _batch_for(request, pk)
    response = HttpResponse(epc.units_csv(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="units-{batch.pk}.csv"'
    return response


def sheet_refusal(form: forms.LabelSheetForm, content: labels.LabelContent) -> str | None:
    """Why a label sheet cannot be made as asked (the form's first error, or a grid whose labels
    are too small for their text or QR code), or None; checked in the request, so the user reads
    it at once rather than on a failed job."""
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return f"{field}: {errors[0]}"
    values = form.cleaned_data
    try:
        layout = labels.SheetLayout(rows=values["rows"], columns=values["columns"])
        labels.check_sheet(content, layout)
    except ValueError as error:  # too small a label for its text or its QR code
        return f"rows/columns: {error}"
    return None


@login_required
def batch_label(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One label as SVG or PNG (a sheet of them is a background job: batch_label_sheet)."""
    batch = _batch_for(request, pk)
    content = batch_label_content(batch)
    try:
        if kind == "svg":
            return HttpResponse(labels.label_svg(content), content_type="image/svg+xml")
        return HttpResponse(labels.label_png(content), content_type="image/png")
    except labels.LabelTooSmallError as error:  # a name too long for the single label
        return HttpResponse(str(error), status=400, content_type="text/plain")


@login_required
@require_POST
def batch_label_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """An A4 PDF sheet of the batch's labels on a configurable grid, made in the background:
    the user is sent to the job's page, which offers the PDF once it is made."""
    batch = _batch_for(request, pk)
    form = forms.LabelSheetForm(request.POST)
    refusal = sheet_refusal(form, batch_label_content(batch))
    if refusal:
        return HttpResponse(refusal, status=400, content_type="text/plain")
    job = start_label_sheet(actor=request.user, target=batch, **form.cleaned_data)
    return redirect("job", job_id=job.pk)


@login_required
def recall(request: HttpRequest) -> HttpResponse:
    """Every order that received a batch, for a recall; sellers see their own batches."""
    lot = request.GET.get("lot", "").strip()
    batches = list(selectors.batches_visible_to(request.user).filter(lot=lot)) if lot else []
    if (
        not policies.seller_ids_of(request.user)
        and not selectors.batches_visible_to(request.user).exists()
    ):
        raise PermissionDenied
    lines = selectors.recall_lines(batches) if batches else []
    total = sum((line.quantity for line in lines), Decimal(0))
    context = {"lot": lot, "batches": batches, "lines": lines, "total": total}
    return render(request, "trace/recall.html", context)
