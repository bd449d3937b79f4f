"""Back office: packing cases and pallets, their labels, and unpacking."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.core.local_time import activate_county_time_zone
from countyhub.core.permissions import admin_county_ids
from countyhub.gs1 import keys, labels
from countyhub.trace import forms, policies, selectors, services
from countyhub.trace.errors import TraceError
from countyhub.trace.identifiers import container_uri
from countyhub.trace.label_sheets import container_label_content, start_label_sheet
from countyhub.trace.models import Container
from countyhub.trace.views.batches import _batch_for, sheet_refusal

CONTAINERS_PER_PAGE = 25


def _may_pack(user: Any) -> bool:
    counties = admin_county_ids(user)
    return bool(policies.seller_ids_of(user)) or counties is None or bool(counties)


def _container_for(request: HttpRequest, pk: int) -> Container:
    container = get_object_or_404(
        Container.objects.select_related("county", "seller", "parent"), pk=pk
    )
    if not policies.may_handle_container(request.user, container):
        raise PermissionDenied
    activate_county_time_zone(container.county)
    return container


@login_required
def container_list(request: HttpRequest) -> HttpResponse:
    """Closed cases and pallets, and where to pack new ones; for a station operator, what their
    station received and has still to unpack."""
    if not (_may_pack(request.user) or selectors.operated_stations(request.user).exists()):
        raise PermissionDenied
    containers = (
        selectors.containers_visible_to(request.user)
        .filter(unpacked_at__isnull=True)
        .order_by("level", "-packed_at", "-pk")
    )
    page_obj = Paginator(containers, CONTAINERS_PER_PAGE).get_page(request.GET.get("page"))
    batches = list(selectors.batches_visible_to(request.user).order_by("-created_at", "-pk"))
    context = {
        "containers": page_obj.object_list,
        "page_obj": page_obj,
        "batches": batches,
        "may_pack": _may_pack(request.user),
    }
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


@login_required
def container_label(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The logistic label as SVG (a sheet of them is a background job: container_label_sheet)."""
    container = _container_for(request, pk)
    content = container_label_content(container)
    return HttpResponse(labels.label_svg(content), content_type="image/svg+xml")


@login_required
@require_POST
def container_label_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """An A4 PDF sheet of the logistic label (by default two large labels, one per side), made
    in the background: the user is sent to the job's page."""
    container = _container_for(request, pk)
    form = forms.LabelSheetForm(request.POST)
    refusal = sheet_refusal(form, container_label_content(container))
    if refusal:
        return HttpResponse(refusal, status=400, content_type="text/plain")
    job = start_label_sheet(actor=request.user, target=container, **form.cleaned_data)
    return redirect("job", job_id=job.pk)
