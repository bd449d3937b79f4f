"""Programs in the JSON API: a seller's payouts, a county's KPIs, payout runs (evaluate, read,
approve). An evaluation with ``Prefer: respond-async`` (RFC 7240) runs as the payout page's
background job and answers 202 with the job's ``Location`` (issue 19).

Payouts of sellers a user does not staff, and counties a user does not administer, are 403/404.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Router, Schema, Status

from countyhub.core.api import Id, JobOut, errors, job_out, job_url
from countyhub.core.models import County, Role
from countyhub.core.months import parse_month
from countyhub.core.permissions import is_county_admin, roles_in
from countyhub.programs import incentives, kpis, payout_jobs, selectors
from countyhub.programs.models import LedgerEntry, PayoutRun

router = Router(tags=["programs"])


class EntryOut(Schema):
    id: int
    rule: str
    rule_kind: str
    kind: str
    fact_period: str
    payee: str
    seller_id: int | None
    amount: str
    currency: str
    facts: dict
    booked_at: datetime.datetime


def _entry(entry: LedgerEntry) -> dict:
    return {
        "id": entry.pk,
        "rule": entry.rule.name,
        "rule_kind": entry.rule.kind,
        "kind": entry.kind,
        "fact_period": f"{entry.fact_period:%Y-%m}",
        "payee": entry.payee_name,
        "seller_id": entry.seller_id,
        "amount": str(entry.amount),
        "currency": entry.currency,
        "facts": entry.line.facts,
        "booked_at": entry.booked_at,
    }


@router.get("/payouts", response={200: list[EntryOut], **errors(401, 403)})
def my_payouts(request: HttpRequest) -> list[dict]:
    """The payouts of the sellers the caller works for (newest first)."""
    seller_ids = list(request.auth.seller_staff_of.values_list("pk", flat=True))
    if not seller_ids:
        raise PermissionDenied
    entries = selectors.ledger_of_sellers(seller_ids).select_related("line")[:500]
    return [_entry(entry) for entry in entries]


class KpiOut(Schema):
    kpi: str
    label: str
    value: str
    target: str | None
    met: bool | None
    trend: list[tuple[str, str]]


def _county(request: HttpRequest, slug: str, *, analysts: bool = False) -> County:
    county = get_object_or_404(County, slug=slug)
    if is_county_admin(request.auth, county):
        return county
    if analysts and Role.ANALYST in roles_in(request.auth, county):
        return county
    raise PermissionDenied


@router.get(
    "/counties/{county_slug}/kpis", response={200: list[KpiOut], **errors(401, 403, 404, 422)}
)
def county_kpis(request: HttpRequest, county_slug: str, year: int | None = None) -> list[dict]:
    county = _county(request, county_slug, analysts=True)
    board = kpis.county_kpis(county=county, year=year)
    return [
        {
            "kpi": k.kpi,
            "label": k.label,
            "value": str(k.value),
            "target": None if k.target is None else str(k.target),
            "met": k.met,
            "trend": [(month, str(value)) for month, value in k.trend],
        }
        for k in board.kpis
    ]


class RunIn(Schema):
    period: str = Field(..., examples=["2025-01"], pattern=r"^\d{4}-(0[1-9]|1[0-2])$")


class PayoutLineOut(Schema):
    rule: str
    kind: str
    fact_period: str
    payee: str
    entitlement: str
    already_paid: str
    amount: str
    facts: dict
    explanation: str
    budget_note: str


class RunOut(Schema):
    id: int
    period: str
    status: str
    total: str
    notes: list[str]
    lines: list[PayoutLineOut]


def _run(run: PayoutRun) -> dict:
    lines = run.lines.select_related("rule").order_by("pk")
    return {
        "id": run.pk,
        "period": f"{run.period_start:%Y-%m}",
        "status": run.status,
        "total": str(sum((line.amount for line in lines), 0)),
        "notes": run.notes,
        "lines": [
            {
                "rule": line.rule.name,
                "kind": line.kind,
                "fact_period": f"{line.fact_period:%Y-%m}",
                "payee": line.payee_name,
                "entitlement": str(line.entitlement),
                "already_paid": str(line.already_paid),
                "amount": str(line.amount),
                "facts": line.facts,
                "explanation": line.explanation,
                "budget_note": line.budget_note,
            }
            for line in lines
        ],
    }


def prefers_async(prefer: str) -> bool:
    """Whether a ``Prefer`` header (RFC 7240: preferences separated by commas, each with
    optional ``;`` parameters, names case-insensitive) asks for ``respond-async``."""
    return any(
        preference.split(";")[0].split("=")[0].strip().lower() == "respond-async"
        for preference in prefer.split(",")
    )


@router.post(
    "/counties/{county_slug}/payout-runs",
    response={201: RunOut, 202: JobOut, **errors(400, 401, 403, 404, 422)},
)
def evaluate(
    request: HttpRequest,
    response: HttpResponse,
    county_slug: str,
    payload: RunIn,
    prefer: str = Header("", alias="Prefer"),
):
    """Evaluate the month's payout run: 201 with the run; with ``Prefer: respond-async``, 202
    with the queued job (``Location``: ``GET /api/jobs/{id}``, whose ``result.run`` is the run's
    id once it succeeded). What the evaluation would refuse is refused at once either way."""
    county = _county(request, county_slug)
    period = parse_month(payload.period)
    if prefers_async(prefer):
        job = payout_jobs.start_evaluation(county=county, period=period, actor=request.auth)
        response["Location"] = job_url(job)
        response["Preference-Applied"] = "respond-async"
        return Status(202, job_out(job))
    run = incentives.evaluate_period(county=county, period=period, actor=request.auth)
    return Status(201, _run(run))


@router.get(
    "/counties/{county_slug}/payout-runs/{run_id}",
    response={200: RunOut, **errors(401, 403, 404)},
)
def payout_run(request: HttpRequest, county_slug: str, run_id: Id) -> dict:
    """A payout run, as its evaluation answered (the run an evaluation job made)."""
    county = _county(request, county_slug)
    return _run(get_object_or_404(PayoutRun, pk=run_id, county=county))


@router.post(
    "/counties/{county_slug}/payout-runs/{run_id}/approve",
    response={200: RunOut, **errors(401, 403, 404, 409)},
)
def approve(request: HttpRequest, county_slug: str, run_id: Id) -> dict:
    county = _county(request, county_slug)
    run = get_object_or_404(PayoutRun, pk=run_id, county=county)
    return _run(incentives.approve_run(run=run, actor=request.auth))
