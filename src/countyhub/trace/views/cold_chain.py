"""Back office: a temperature logger's readings for a lot."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from countyhub.trace import forms, services
from countyhub.trace.errors import TraceError
from countyhub.trace.views.batches import _batch_for


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
