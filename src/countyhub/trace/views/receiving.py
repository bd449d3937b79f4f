"""A village station takes in a case or pallet, from the container's public page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from countyhub.core.models import Village
from countyhub.gs1 import keys
from countyhub.trace import forms, policies, selectors, services
from countyhub.trace.errors import TraceError
from countyhub.trace.models import Container


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
