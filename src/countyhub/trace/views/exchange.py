"""Back office: EPCIS export and import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from countyhub.core.json_input import JSONInputError, parse_json
from countyhub.trace import exchange, forms, policies, selectors
from countyhub.trace.errors import DocumentRejectedError
from countyhub.trace.views.batches import _batch_for


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
            document = parse_json(raw)
        except JSONInputError as error:
            form.add_error("document", str(error))
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
