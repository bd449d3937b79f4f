"""Trace pages: the Digital Link resolver and public trace page, and the seller back office
(batches, step forms, labels, EPCIS export and import, recall)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import escape_uri_path
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from countyhub.catalog.models import Certification, Product
from countyhub.core.models import Village
from countyhub.core.permissions import admin_county_ids
from countyhub.core.templatetags.countyhub import localized
from countyhub.gs1 import cbv, keys, labels
from countyhub.gs1.digital_link import parse as parse_digital_link
from countyhub.gs1.errors import DigitalLinkError
from countyhub.trace import charts, epc, exchange, forms, policies, selectors, services
from countyhub.trace.errors import DocumentRejectedError, TraceError
from countyhub.trace.identifiers import (
    container_uri,
    harvest_lot_uri,
    lot_uri,
    trace_domain,
)
from countyhub.trace.models import Batch, Container, EventKind, ProductIdentifier

# ---------------------------------------------------------------------------------------------
# Public: /01/<gtin>/10/<lot>[/21/<serial>] resolves here.

PAGE_CACHE_SECONDS = 300
# Digital Link parsing checks every AI value against GS1's tables (~0.15 ms); a burst of scans
# repeats the few URIs printed on labels. DigitalLink is frozen and only read here.
_parse_link = lru_cache(maxsize=1024)(parse_digital_link)
_LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def _friendly(request: HttpRequest, *, status: int, reason: str, code: str) -> HttpResponse:
    return render(request, "trace/unknown.html", {"reason": reason, "code": code}, status=status)


@never_cache
def resolve(request: HttpRequest, path: str) -> HttpResponse:
    """The GS1 Digital Link resolver: a lot or serial link shows the batch's trace page; a
    product link goes to the product; an SSCC link lists the case's or pallet's contents;
    anything else gets a friendly page, never an error.

    The public pages switch language with a GET parameter (`?lang=en`, see
    trace/_language_switch.html): they hold no form to post, so they need no CSRF token and a
    first-time scanner's page comes whole from the cache, with no per-visitor cookie."""
    language = request.GET.get("lang")
    if language in _LANGUAGE_CODES:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    query = request.META.get("QUERY_STRING", "")
    # The path as sent (percent-encoding kept), since the Digital Link rules depend on it.
    path = escape_uri_path(request.path).lstrip("/")
    uri = f"https://{trace_domain()}/{path}" + (f"?{query}" if query else "")
    try:
        link = _parse_link(uri)
    except DigitalLinkError as error:
        reason = _("This code is not a valid GS1 Digital Link (%(part)s).") % {
            "part": error.part or str(error)
        }
        return _friendly(request, status=400, reason=reason, code=f"/{path}")
    if link.key_ai == "00":
        return _container_page(request, link.key, path)
    if link.gtin and not (link.lot or link.serial):
        return _product_or_unknown(request, link.gtin, path)
    scanned = None
    if link.gtin:
        scanned = services.record_link_scan(
            gtin=link.gtin,
            lot=link.lot,
            serial=None if link.lot else link.serial,
            latitude=request.GET.get("lat"),
            longitude=request.GET.get("lon"),
        )
    if scanned is None and link.gtin and link.lot:
        harvest = selectors.batch_for_harvest_link(gtin=link.gtin, lot=link.lot)
        if harvest is not None:  # a crate of the unpacked harvest: show its lot's page
            return redirect("/" + lot_uri(harvest).split("/", 3)[3])
    if scanned is None:
        return _unknown_batch(request, path)
    # Certificates' validity depends on the day; the TTL bounds how long a catalogue edit
    # (a new certificate) takes to show. Trace records themselves are in the version.
    day = timezone.localdate().isoformat()
    key = f"trace:page:{scanned.batch_id}:{scanned.version}:{get_language()}:{day}:{link.serial}"
    # A visitor without a session or messages gets the whole page from the cache: such a page
    # holds nothing personal and nothing taken from the request (the language is in the key).
    page_key = f"{key}:page" if _plain_visitor(request) else None
    if page_key is not None and (html := cache.get(page_key)) is not None:
        return HttpResponse(html)
    cached = cache.get(key)
    if cached is None:
        batch = (
            selectors.batch_for_link(gtin=link.gtin, lot=link.lot)
            if link.lot
            else selectors.batch_for_serial(gtin=link.gtin, serial=link.serial)
        )
        if batch is None:  # deleted since the scan was counted
            return _unknown_batch(request, path)
        page = selectors.trace_page(batch)
        page.serial = link.serial
        context = {
            "page": page,
            "batch": batch,
            "route_svg": charts.route_svg(page.route),
            "uri": lot_uri(batch),
        }
        article = render_to_string("trace/_trace_article.html", context)
        title = f"{localized(batch.product)} · {_('Trace')}"
        cached = (article, batch.county, title)
        cache.set(key, cached, timeout=PAGE_CACHE_SECONDS)
    article, county, title = cached
    response = render(
        request,
        "trace/trace_page.html",
        {"article": mark_safe(article), "county": county, "title": title},
    )
    if page_key is not None:
        cache.set(page_key, response.content, timeout=PAGE_CACHE_SECONDS)
    return response


def _plain_visitor(request: HttpRequest) -> bool:
    return not (settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES)


def _unknown_batch(request: HttpRequest, path: str) -> HttpResponse:
    return _friendly(
        request,
        status=404,
        reason=_("We have no batch with this code. Check the label, or ask the seller."),
        code=f"/{path}",
    )


def _product_or_unknown(request: HttpRequest, gtin: str, path: str) -> HttpResponse:
    product = (
        Product.objects.filter(Q(gtin=gtin) | Q(gtin=gtin.lstrip("0")))
        .select_related("county")
        .first()
    )
    if product is None:
        identifier = ProductIdentifier.objects.filter(gtin=gtin).first()
        product = identifier.product if identifier else None
    if product is not None:
        return redirect("catalog:product", product.county.slug, product.pk)
    return _unknown_batch(request, path)


# ---------------------------------------------------------------------------------------------
# Back office


def _batch_for(request: HttpRequest, pk: int, *, record: bool = False) -> Batch:
    batch = get_object_or_404(Batch.objects.select_related("product", "seller", "county"), pk=pk)
    allowed = policies.may_record if record else policies.may_view
    if not allowed(request.user, batch):
        raise PermissionDenied
    return batch


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = list(selectors.batches_visible_to(request.user).order_by("-created_at", "-pk"))
    if not batches and not policies.seller_ids_of(request.user):
        raise PermissionDenied
    ids = [b.pk for b in batches]
    counts = selectors.scan_counts(ids)
    rows = [(b, *counts.get(b.pk, (0, 0))) for b in batches]
    context = {
        "rows": rows,
        "county": batches[0].county if batches else None,
        "scans_chart": charts.scans_svg(selectors.scans_per_day(ids)),
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
        "steps": [(key, EventKind(key).label) for key in forms.STEP_FORMS],
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


def _documents(batch: Batch, data: dict[str, Any]) -> list[cbv.AttachedDocument]:
    documents = [
        cbv.AttachedDocument(
            kind="lab_report",
            uri=f"urn:countyhub:lab-report:{batch.county_id}:"
            + "".join(c if c.isalnum() or c in "-." else "-" for c in data["report_number"]),
            result=cbv.DocumentResult(data["result"]),
            issuer=data["issuer"],
            title=data["title"],
        )
    ]
    certificates = Certification.objects.filter(
        product=batch.product, pk__in=[int(pk) for pk in data["certifications"]]
    )
    documents += [
        cbv.AttachedDocument(
            kind="certificate",
            uri=f"urn:countyhub:certificate:{c.kind}:"
            + "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in c.number),
            result=cbv.DocumentResult.PASS,
            issuer=c.issuer,
            title=c.get_kind_display(),
        )
        for c in certificates
    ]
    return documents


def _record_step(
    request: HttpRequest, batch: Batch, step: str, data: dict[str, Any], *, corrects: Any
) -> None:
    common = {
        "actor": request.user,
        "batch": batch,
        "event_time": data["event_time"],
        "corrects": corrects,
    }
    if step == "planting":
        details: Any = cbv.Planting(
            crop=data["crop"], variety=data["variety"] or None, area_mu=data["area_mu"]
        )
    elif step == "fertilising":
        details = cbv.Fertilising(
            product=data["product"],
            dose=data["dose"],
            dose_unit=data["dose_unit"],
            per_area_mu=data["per_area_mu"],
        )
    elif step == "spraying":
        details = cbv.Spraying(
            product=data["product"],
            pre_harvest_interval_days=data["pre_harvest_interval_days"],
            dose=data["dose"],
            dose_unit=data["dose_unit"] if data["dose"] else None,
        )
    elif step == "irrigation":
        details = cbv.Irrigation(volume_m3=data["volume_m3"], method=data["method"])
    elif step == "harvest":
        services.record_harvest(quantity_kg=data["quantity_kg"], **common)
        return
    elif step == "inspection":
        services.record_inspection(documents=_documents(batch, data), **common)
        return
    else:
        services.record_packing(
            packed_quantity=data["packed_quantity"],
            harvest_used_kg=data["harvest_used_kg"],
            packhouse=data["packhouse"],
            **common,
        )
        return
    services.record_farming_step(step=cbv.FarmingStep(step), details=details, **common)


@login_required
def record_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One short form per step; a failed submit re-renders with what was typed, and the page
    keeps a draft in the phone's storage in case the connection drops while sending."""
    if step not in forms.STEP_FORMS:
        return _friendly(request, status=404, reason=_("Unknown step."), code=step)
    batch = _batch_for(request, pk, record=True)
    corrects = None
    corrects_id = request.POST.get("corrects") or request.GET.get("corrects")
    if corrects_id:
        corrects = batch.events.filter(pk=corrects_id if corrects_id.isdigit() else 0).first()
        if corrects is None or corrects.kind != step:
            return _friendly(
                request, status=404, reason=_("No such event to correct."), code=corrects_id
            )
    initial = forms.initial_from(corrects) if corrects is not None else None
    form = forms.STEP_FORMS[step](request.POST or None, batch=batch, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            _record_step(request, batch, step, form.cleaned_data, corrects=corrects)
        except TraceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Recorded."))
            draft = f"{step}-{batch.pk}" + (f"-c{corrects.pk}" if corrects else "")
            return redirect(f"{batch.get_absolute_url()}?saved={draft}")
    context = {
        "form": form,
        "batch": batch,
        "county": batch.county,
        "step": step,
        "step_label": EventKind(step).label,
        "draft_key": f"{step}-{batch.pk}" + (f"-c{corrects.pk}" if corrects else ""),
        "corrects": corrects,
    }
    return render(request, "trace/step_form.html", context, status=400 if form.errors else 200)


@login_required
def record_cold_chain(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a temperature logger's readings for the lot (a trip: logger on, readings, off)."""
    batch = _batch_for(request, pk, record=True)
    form = forms.ColdChainForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_cold_chain(
                actor=request.user,
                batch=batch,
                logger=data["logger"],
                readings=data["readings"],
                required_min=data["required_min"],
                required_max=data["required_max"],
            )
        except TraceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Recorded."))
            return redirect(batch.get_absolute_url())
    context = {"form": form, "batch": batch, "county": batch.county}
    return render(
        request, "trace/cold_chain_form.html", context, status=400 if form.errors else 200
    )


def _label_content(batch: Batch) -> labels.LabelContent:
    dates = []
    if batch.production_date:
        dates.append(("采收 Harvested", batch.production_date.isoformat()))
    if batch.expiry_date:
        dates.append(("保质期至 Best before", batch.expiry_date.isoformat()))
    today = timezone.localdate()
    marks = tuple(
        str(c.get_kind_display())
        for c in batch.product.certifications.all()
        if c.is_valid_on(today)
    )
    brand = batch.product.brand
    return labels.LabelContent(
        product_name=batch.product.name,
        uri=lot_uri(batch),
        brand=f"{brand.parent.name} · {brand.name}" if brand.parent_id else brand.name,
        lot=batch.lot,
        dates=tuple(dates),
        certifications=marks,
    )


@login_required
def batch_label(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """One label as SVG or PNG, or an A4 sheet as PDF with a configurable grid."""
    batch = _batch_for(request, pk)
    content = _label_content(batch)
    if kind == "svg":
        return HttpResponse(labels.label_svg(content), content_type="image/svg+xml")
    if kind == "png":
        return HttpResponse(labels.label_png(content), content_type="image/png")
    form = forms.LabelSheetForm(request.GET or None)
    if request.GET and not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return HttpResponse(f"{field}: {errors[0]}", status=400, content_type="text/plain")
    values = form.cleaned_data if request.GET else {"rows": 7, "columns": 3, "count": 21}
    try:
        layout = labels.SheetLayout(rows=values["rows"], columns=values["columns"])
    except ValueError as error:
        return HttpResponse(f"rows/columns: {error}", status=400, content_type="text/plain")
    pdf = labels.label_sheet_pdf([content] * values["count"], layout)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-{batch.lot}.pdf"'
    return response


def _json_download(document: dict[str, Any], filename: str) -> HttpResponse:
    response = JsonResponse(document, json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Type"] = "application/ld+json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    document = selectors.export_document(batch.events.order_by("sequence"))
    return _json_download(document, f"epcis-{batch.lot}.jsonld")


@login_required
def import_events(request: HttpRequest) -> HttpResponse:
    """Back-office upload of an EPCISDocument: all or nothing, every problem listed."""
    batches = selectors.batches_visible_to(request.user)
    if not policies.seller_ids_of(request.user) and not batches.exists():
        raise PermissionDenied
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems: list[Any] = []
    if request.method == "POST" and form.is_valid():
        raw = form.cleaned_data["document"].read()
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            form.add_error("document", _("Not JSON: %(error)s") % {"error": error})
        else:
            county_id = _import_county(request, document)
            try:
                rows = exchange.import_document(
                    actor=request.user, county_id=county_id, document=document
                )
            except DocumentRejectedError as error:
                problems = error.problems
            else:
                messages.success(request, _("Imported %(n)d events.") % {"n": len(rows)})
                return redirect("trace:batches")
    status = 400 if problems or form.errors else 200
    context = {"form": form, "problems": problems}
    return render(request, "trace/import.html", context, status=status)


def _import_county(request: HttpRequest, document: Any) -> int:
    """The county whose batches the document is matched against: the user's seller's."""
    seller = request.user.seller_staff_of.first()
    if seller is not None:
        return seller.county_id
    batch = selectors.batches_visible_to(request.user).first()
    return batch.county_id if batch else 0


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


def trace_export_range(request: HttpRequest) -> HttpResponse:
    """EPCIS export of the user's batches' events in a date range (?since=&until=)."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.get_full_path()}")
    from django.utils.dateparse import parse_date

    dates = {}
    for name in ("since", "until"):
        value = request.GET.get(name, "")
        dates[name] = parse_date(value) if value else None
        if value and dates[name] is None:
            return HttpResponse(
                f"{name}: expected YYYY-MM-DD", status=400, content_type="text/plain"
            )
    events = selectors.events_between(selectors.batches_visible_to(request.user), **dates)
    return _json_download(selectors.export_document(events), "epcis-events.jsonld")


# ---------------------------------------------------------------------------------------------
# Cases and pallets: /00/<sscc> resolves to a public page of the container's contents; the back
# office packs, labels and unpacks them.


def _container_page(request: HttpRequest, sscc: str, path: str) -> HttpResponse:
    container = selectors.container_for_sscc(sscc)
    if container is None:
        return _friendly(
            request,
            status=404,
            reason=_("We have no case or pallet with this code. Check the label."),
            code=f"/{path}",
        )
    context = {
        "view": selectors.container_view(container),
        "county": container.county,
        "sscc_text": keys.format_sscc(container.sscc),
        "receive_form": _receive_form(request, container),
    }
    return render(request, "trace/container_page.html", context)


def _receive_form(request: HttpRequest, container: Container) -> forms.ReceiveForm | None:
    """For a station operator (or county staff) scanning an arriving pallet: take it in."""
    stations = policies.receiving_stations(request.user, container)
    if not stations:
        return None
    return forms.ReceiveForm(
        request.POST or None, stations=Village.objects.filter(pk__in=stations).order_by("name")
    )


@login_required
def receive_container(request: HttpRequest, pk: int) -> HttpResponse:
    """POST from the container's public page: a village station takes the case or pallet in."""
    container = get_object_or_404(Container.objects.select_related("county"), pk=pk)
    form = _receive_form(request, container)
    if form is None:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            services.receive_at_station(
                actor=request.user,
                container=container,
                station=form.cleaned_data["station"],
                event_time=form.cleaned_data["event_time"],
            )
        except TraceError as error:
            form.add_error("event_time" if error.field == "event_time" else None, error.message)
        else:
            messages.success(request, _("Received %(sscc)s.") % {"sscc": container.sscc})
            return redirect(container)
    context = {
        "view": selectors.container_view(container),
        "county": container.county,
        "sscc_text": keys.format_sscc(container.sscc),
        "receive_form": form,
    }
    return render(request, "trace/container_page.html", context, status=400 if form.errors else 200)


def _may_pack(user: Any) -> bool:
    counties = admin_county_ids(user)
    return bool(policies.seller_ids_of(user)) or counties is None or bool(counties)


def _container_for(request: HttpRequest, pk: int) -> Container:
    container = get_object_or_404(
        Container.objects.select_related("county", "seller", "parent"), pk=pk
    )
    if not policies.may_handle_container(request.user, container):
        raise PermissionDenied
    return container


@login_required
def container_list(request: HttpRequest) -> HttpResponse:
    """Closed cases and pallets, and where to pack new ones; for a station operator, what their
    station received and has still to unpack."""
    if not (_may_pack(request.user) or selectors.operated_stations(request.user).exists()):
        raise PermissionDenied
    containers = list(
        selectors.containers_visible_to(request.user)
        .filter(unpacked_at__isnull=True)
        .order_by("level", "-packed_at", "-pk")
    )
    batches = list(selectors.batches_visible_to(request.user).order_by("-created_at", "-pk"))
    context = {"containers": containers, "batches": batches, "may_pack": _may_pack(request.user)}
    return render(request, "trace/containers.html", context)


@login_required
def pack_case(request: HttpRequest) -> HttpResponse:
    """Pack one batch's serialised units (by checkbox) or a quantity of its lot into a case."""
    batch_id = request.GET.get("batch", "")
    if not batch_id.isdigit():
        return redirect("trace:containers")
    batch = _batch_for(request, int(batch_id), record=True)
    units = list(selectors.free_units(batch))
    form = forms.PackCaseForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = {int(pk) for pk in data.get("units") or []}
        try:
            case = services.pack_case(
                actor=request.user,
                units=[unit for unit in units if unit.pk in chosen],
                lots=[services.LotQuantity(batch, data["quantity"])] if data["quantity"] else [],
                event_time=data["event_time"],
            )
        except TraceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Packed case %(sscc)s.") % {"sscc": case.sscc})
            return redirect(case)
    context = {
        "form": form,
        "batch": batch,
        "county": batch.county,
        "left": batch.quantity - selectors.packed_quantity(batch),
        "draft_key": f"case-{batch.pk}",
    }
    return render(request, "trace/case_form.html", context, status=400 if form.errors else 200)


@login_required
def pack_pallet(request: HttpRequest) -> HttpResponse:
    """Put closed cases onto a new pallet."""
    if not _may_pack(request.user):
        raise PermissionDenied
    form = forms.PackPalletForm(request.POST or None, cases=selectors.packable_cases(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pallet = services.pack_pallet(
                actor=request.user, cases=list(data["cases"]), event_time=data["event_time"]
            )
        except TraceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Packed pallet %(sscc)s.") % {"sscc": pallet.sscc})
            return redirect(pallet)
    context = {"form": form, "draft_key": "pallet"}
    return render(request, "trace/pallet_form.html", context, status=400 if form.errors else 200)


@login_required
def container_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A case or pallet: contents, its logistic label, and unpacking (POST)."""
    container = _container_for(request, pk)
    form = forms.ContainerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unpack(
                actor=request.user, container=container, event_time=form.cleaned_data["event_time"]
            )
        except TraceError as error:
            form.add_error("event_time" if error.field == "event_time" else None, error.message)
        else:
            messages.success(request, _("Unpacked %(sscc)s.") % {"sscc": container.sscc})
            return redirect(container)
    uri = container_uri(container.sscc)
    context = {
        "view": selectors.container_view(container),
        "container": container,
        "county": container.county,
        "uri": uri,
        "sscc_text": keys.format_sscc(container.sscc),
        "qr_svg": labels.qr_svg(uri, scale=3),
        "form": form,
    }
    return render(
        request, "trace/container_detail.html", context, status=400 if form.errors else 200
    )


def _container_label(container: Container) -> labels.LabelContent:
    lines = selectors.container_view(container).lines
    products = "、".join(dict.fromkeys(line.batch.product.name for line in lines))
    lots = ", ".join(dict.fromkeys(line.batch.lot for line in lines))
    return labels.LabelContent(
        product_name=f"{container.get_level_display()} · {products}",
        uri=container_uri(container.sscc),
        lot=lots or None,
        dates=(("SSCC", keys.format_sscc(container.sscc)),),
    )


@login_required
def container_label(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The logistic label: SVG, or an A4 PDF sheet (default two large labels, one per side)."""
    container = _container_for(request, pk)
    content = _container_label(container)
    if kind == "svg":
        return HttpResponse(labels.label_svg(content), content_type="image/svg+xml")
    form = forms.LabelSheetForm(request.GET or None)
    if request.GET and not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return HttpResponse(f"{field}: {errors[0]}", status=400, content_type="text/plain")
    values = form.cleaned_data if request.GET else {"rows": 2, "columns": 1, "count": 2}
    try:
        layout = labels.SheetLayout(rows=values["rows"], columns=values["columns"])
    except ValueError as error:
        return HttpResponse(f"rows/columns: {error}", status=400, content_type="text/plain")
    response = HttpResponse(
        labels.label_sheet_pdf([content] * values["count"], layout), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="sscc-{container.sscc}.pdf"'
    return response
