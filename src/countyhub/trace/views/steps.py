"""Back office: one short form per step, to record it or correct a recorded one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from countyhub.catalog.models import Certification
from countyhub.gs1 import cbv
from countyhub.trace import forms, selectors, services
from countyhub.trace.errors import TraceError
from countyhub.trace.models import Batch
from countyhub.trace.views.batches import _batch_for
from countyhub.trace.views.public import _friendly


def _documents(batch: Batch, data: dict[str, Any]) -> list[cbv.AttachedDocument]:
    documents = [
        cbv.AttachedDocument(
            kind="lab_report",
            uri=f"urn:countyhub:lab-report:{batch.county_id}:"
            + "".join(c if c.isalnum() or c in "-." else "-" for c in data["report_number"]),
            result=cbv.DocumentResult(data["result"]),
            issuer=data["issuer"],
            title=data["title"],
            standard=data["standard"] or None,
        )
    ]
    certificates = Certification.objects.filter(
        product=batch.product, pk__in=[int(pk) for pk in data.get("certifications", [])]
    )
    documents += [
        cbv.AttachedDocument(
            kind="certificate",
            uri=f"urn:countyhub:certificate:{c.kind}:"
            + "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in c.number),
            # The inspector's result: a certificate checked is not passed by being held.
            result=cbv.DocumentResult(data["result"]),
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
    elif step == "treatment":
        details = cbv.Treatment(
            product=data["product"],
            withdrawal_days=data["withdrawal_days"],
            dose=data["dose"],
            dose_unit=data["dose_unit"] if data["dose"] else None,
        )
    elif forms.STEP_FORMS[step] is forms.ActivityForm:
        details = cbv.Activity(description=data["description"], material=data["material"] or None)
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
    batch = _batch_for(request, pk, record=True)
    offered = dict(selectors.offered_steps(batch))
    if step not in offered:  # a step of another kind of product (honey is not sprayed)
        return _friendly(request, status=404, reason=_("Unknown step."), code=step)
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
        "step_label": offered[step],
        "draft_key": f"{step}-{batch.pk}" + (f"-c{corrects.pk}" if corrects else ""),
        "corrects": corrects,
    }
    return render(request, "trace/step_form.html", context, status=400 if form.errors else 200)
