"""After-sales pages: the buyer's request form from the order page, every request's page with the
actions its viewer may take (buyer, seller, county staff), and a list with the disputes filter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.aftersales import policies, selectors, services
from countyhub.aftersales.forms import (
    DecisionForm,
    NoteForm,
    RefundForm,
    RequestForm,
    ReturnAddressForm,
    ReturnShipmentForm,
)
from countyhub.aftersales.models import OPEN_STATUSES, AfterSaleRequest, RequestStatus
from countyhub.core.errors import DomainError
from countyhub.shop.policies import visible_orders

R = RequestStatus
PER_PAGE = 25


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    requests = selectors.requests_for(request.user, show=show)
    page_obj = Paginator(requests, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "aftersales/list.html",
        {"requests": page_obj.object_list, "page_obj": page_obj, "show": show},
    )


def _put_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def new_request(request: HttpRequest, number: str) -> HttpResponse:
    order = (
        visible_orders(request.user)
        .select_related("county", "seller", "payment")
        .filter(number=number)
        .first()
    )
    if order is None:
        raise Http404
    if not policies.may_request(request.user, order):
        raise PermissionDenied
    in_progress = order.aftersales.filter(status__in=OPEN_STATUSES).first()
    if in_progress is not None:
        messages.info(request, _("This order already has an after-sales request in progress."))
        return redirect("aftersales:detail", in_progress.pk)
    form = RequestForm(request.POST or None, request.FILES or None, order=order)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_aftersale(
                order=order,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                goods_received=form.cleaned_data["goods_received"],
                reason=form.cleaned_data["reason"],
                description=form.cleaned_data["description"],
                quantities=form.quantities(),
                photos=form.cleaned_data["photos"],
            )
        except DomainError as error:
            _put_error(form, error)
        else:
            messages.success(request, _("Your request is with the seller."))
            return redirect("aftersales:detail", created.pk)
    return render(
        request,
        "aftersales/new.html",
        {"order": order, "county": order.county, "form": form},
    )


def _visible(request: HttpRequest, pk: int) -> AfterSaleRequest:
    found = (
        policies.visible_requests(request.user)
        .select_related("order__payment", "seller", "county", "refund")
        .prefetch_related("lines__order_line", "photos")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _forms(user: Any, found: AfterSaleRequest) -> dict[str, forms.Form | None]:
    """The forms of the steps this viewer may take now (None for those they may not)."""
    seller = policies.may_answer(user, found) and found.status == R.REQUESTED
    return {
        "refuse_form": NoteForm() if seller else None,
        "return_form": ReturnAddressForm() if seller and found.goods_received else None,
        "ship_form": ReturnShipmentForm()
        if policies.is_buyer(user, found) and found.status == R.RETURN_REQUESTED
        else None,
        "decision_form": DecisionForm()
        if policies.is_county_staff(user, found) and found.status == R.ESCALATED
        else None,
        "refund_form": RefundForm()
        if policies.is_county_staff(user, found) and found.status == R.AGREED
        else None,
    }


def _detail(
    request: HttpRequest, found: AfterSaleRequest, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "item": found,
        "county": found.county,
        "steps": selectors.request_steps(found),
        "may_agree": policies.may_answer(user, found) and found.status == R.REQUESTED,
        "may_receive": policies.may_answer(user, found) and found.status == R.RETURN_SHIPPED,
        "may_escalate": policies.is_buyer(user, found) and found.status == R.REFUSED,
        "may_withdraw": policies.is_buyer(user, found)
        and found.status in (R.REQUESTED, R.RETURN_REQUESTED, R.REFUSED, R.ESCALATED),
        **_forms(user, found),
        **(bound or {}),
    }
    return render(request, "aftersales/detail.html", context)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible(request, pk))


Step = Callable[[AfterSaleRequest, Any, dict[str, Any]], Any]

# Each step: the form it posts (and the name the page shows it under), and the service call.
ACTIONS: dict[str, tuple[type[forms.Form] | None, str, Step]] = {
    "agree": (None, "", lambda r, a, d: services.agree(request=r, actor=a)),
    "refuse": (
        NoteForm,
        "refuse_form",
        lambda r, a, d: services.refuse(request=r, actor=a, note=d["note"]),
    ),
    "ask-return": (
        ReturnAddressForm,
        "return_form",
        lambda r, a, d: services.ask_return(request=r, actor=a, address=d["address"]),
    ),
    "ship-return": (
        ReturnShipmentForm,
        "ship_form",
        lambda r, a, d: services.ship_return(
            request=r, actor=a, carrier=d["carrier"], tracking_number=d["tracking_number"]
        ),
    ),
    "receive-return": (None, "", lambda r, a, d: services.receive_return(request=r, actor=a)),
    "escalate": (None, "", lambda r, a, d: services.escalate(request=r, actor=a)),
    "withdraw": (None, "", lambda r, a, d: services.withdraw(request=r, actor=a)),
    "decide": (
        DecisionForm,
        "decision_form",
        lambda r, a, d: services.decide(request=r, actor=a, refund=d["refund"], note=d["note"]),
    ),
    "pay-refund": (
        RefundForm,
        "refund_form",
        lambda r, a, d: services.pay_refund(request=r, actor=a, reference=d["reference"]),
    ),
}
# A service's field name, as the step's form names it.
FORM_FIELDS = {
    "seller_note": "note",
    "county_note": "note",
    "return_address": "address",
    "return_carrier": "carrier",
    "return_tracking": "tracking_number",
}


@login_required
@require_POST
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step from the request's page; the services check who may take it. A refused step
    shows the page again with the refusal on the form's field."""
    found = _visible(request, pk)
    if action not in ACTIONS:
        raise Http404
    form_class, form_name, call = ACTIONS[action]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        return _detail(request, found, {form_name: form})
    try:
        call(found, request.user, form.cleaned_data if form else {})
    except DomainError as error:
        if form is None:
            messages.error(request, error.message)
            return redirect("aftersales:detail", found.pk)
        field = FORM_FIELDS.get(error.field or "", error.field)
        form.add_error(field if field in form.fields else None, error.message)
        return _detail(request, found, {form_name: form})
    messages.success(request, _("After-sales request updated."))
    return redirect("aftersales:detail", found.pk)
