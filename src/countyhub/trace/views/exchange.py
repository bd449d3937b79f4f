"""Back office: EPCIS export and import."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from countyhub.core import import_jobs
from countyhub.core.json_input import JSONInputError, parse_json
from countyhub.trace import forms, import_job, selectors
from countyhub.trace.events_export import start_events_export
from countyhub.trace.views.batches import _batch_for


def _json_download(document: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(selectors.document_bytes(document), content_type="application/ld+json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch_for(request, pk)
    document = selectors.export_document(batch.events.order_by("sequence"))
    return _json_download(document, f"epcis-{batch.lot}.jsonld")


@login_required
def import_events(request: HttpRequest) -> HttpResponse:
    """Back-office upload of an EPCISDocument: checked to be JSON here, imported (all or
    nothing, every problem listed) by a background job whose page the user is taken to."""
    if not import_job.may_import(request.user):
        raise PermissionDenied
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        too_large = import_jobs.upload_too_large(upload)
        if too_large:
            form.add_error("document", too_large)
        else:
            try:
                document = parse_json(upload.read())
            except JSONInputError as error:
                form.add_error("document", str(error))
            else:
                county_id = _import_county(request, document)
                job = import_job.start(actor=request.user, county_id=county_id, upload=upload)
                return redirect("job", job_id=job.pk)
    status = 400 if form.errors else 200
    return render(request, "trace/import.html", {"form": form}, status=status)


def _import_county(request: HttpRequest, document: Any) -> int:
    """The county whose batches the document is matched against: the user's seller's."""
    seller = request.user.seller_staff_of.first()
    if seller is not None:
        return seller.county_id
    batch = selectors.batches_visible_to(request.user).first()
    return batch.county_id if batch else 0


@login_required
@require_http_methods(["GET", "POST"])
def trace_export_range(request: HttpRequest) -> HttpResponse:
    """EPCIS export of the user's batches' events in a date range: the form, whose POST starts
    the export's job and shows its page, which offers the file once it is made."""
    form = forms.EventsExportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        job = start_events_export(
            actor=request.user,
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
        return redirect("job", job_id=job.pk)
    status = 400 if form.errors else 200
    return render(request, "trace/export.html", {"form": form}, status=status)
