"""Back-office pages of a county's programs: dashboard, budget and spending, tasks, rules,
payout runs, stations; and a seller's own payouts. Thin: parse, call a service, render."""

from __future__ import annotations

from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from pathlib import PurePath
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.core.models import County, Role
from countyhub.core.months import previous_month
from countyhub.core.permissions import (
    is_county_admin,
    province_county_ids,
    roles_in,
)
from countyhub.programs import incentives, kpis, payout_jobs, selectors, services
from countyhub.programs.charts import hbar_chart_svg, kpi_chart_svg
from countyhub.programs.errors import ProgramsError
from countyhub.programs.exports import run_csv, run_xlsx
from countyhub.programs.facts import fact_lines
from countyhub.programs.forms import (
    BudgetLineForm,
    EvaluateForm,
    ProgramForm,
    RuleForm,
    SpendingForm,
    StationForm,
    TargetsForm,
    TaskForm,
    TaskNoteForm,
)
from countyhub.programs.models import (
    IncentiveRule,
    KpiTarget,
    PayoutRun,
    Spending,
    Task,
    TaskNote,
)
from countyhub.programs.report import dashboard_pdf
from countyhub.stations import services as station_services
from countyhub.stations.errors import StationsError
from countyhub.stations.selectors import stations_of_county

PER_PAGE = 25


def _page(request: HttpRequest, items: Any) -> Page[Any]:
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def _staff_county(request: HttpRequest, slug: str, *, analysts: bool = False) -> County:
    county = get_object_or_404(County, slug=slug)
    if is_county_admin(request.user, county):
        return county
    if analysts and Role.ANALYST in roles_in(request.user, county):
        return county
    raise PermissionDenied


def _form_error(form: Any, error: ProgramsError | StationsError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    today = timezone.localdate()
    return int(value) if value.isdigit() and 2000 <= int(value) <= today.year else today.year


@login_required
def dashboard(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _staff_county(request, county_slug, analysts=True)
    board = kpis.county_kpis(county=county, year=_year(request))
    cards = [(kpi, kpi_chart_svg(kpi)) for kpi in board.kpis]
    budget_chart = hbar_chart_svg(
        [(use.budget_line.name, use.used, use.budget_line.amount) for use in board.budget]
    )
    rules_chart = hbar_chart_svg(
        [(rule.name, total, None) for rule, total, _n in board.payouts_by_rule]
    )
    context = {
        "county": county,
        "board": board,
        "cards": cards,
        "budget_chart": budget_chart,
        "rules_chart": rules_chart,
        "years": range(timezone.localdate().year, timezone.localdate().year - 4, -1),
    }
    return render(request, "programs/dashboard.html", context)


@login_required
def dashboard_report(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _staff_county(request, county_slug, analysts=True)
    board = kpis.county_kpis(county=county, year=_year(request))
    response = HttpResponse(dashboard_pdf(board), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kpi-{county.slug}-{board.year}.pdf"'
    return response


@login_required
def province(request: HttpRequest) -> HttpResponse:
    """Counties compared, for a province's officials (their province's counties) and superusers
    (every county); a county's own staff compare nothing beyond their county's dashboard."""
    county_ids = province_county_ids(request.user)
    if county_ids == []:
        raise PermissionDenied
    year = _year(request)
    rows = kpis.province_view(year=year, county_ids=county_ids)
    charts = [
        (
            str(kpis.Kpi(key).label),
            hbar_chart_svg(
                [(row.county.name, row.values[key].value, row.values[key].target) for row in rows],
                unit=rows[0].values[key].unit if rows else "count",
            ),
        )
        for key in kpis.PROVINCE_KPIS
    ]
    context = {"rows": rows, "charts": charts, "year": year, "keys": kpis.PROVINCE_KPIS}
    return render(request, "programs/province.html", context)


@login_required
def budget(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _staff_county(request, county_slug)
    action = request.POST.get("action", "spending")
    posted = request.method == "POST"
    program_form = ProgramForm(request.POST if action == "program" else None, county=county)
    line_form = BudgetLineForm(request.POST if action == "line" else None, county=county)
    if posted and action == "program" and program_form.is_valid():
        saved = services.save_program(
            actor=request.user, county=county, **program_form.cleaned_data
        )
        messages.success(request, _("“%(name)s” saved.") % {"name": saved})
        return redirect("programs:budget", county.slug)
    if posted and action == "line" and line_form.is_valid():
        saved = services.save_budget_line(actor=request.user, **line_form.cleaned_data)
        messages.success(request, _("“%(name)s” saved.") % {"name": saved})
        return redirect("programs:budget", county.slug)
    form = SpendingForm(
        request.POST if posted and action == "spending" else None,
        request.FILES or None,
        county=county,
    )
    if posted and action == "spending" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_spending(
                budget_line=data["budget_line"],
                maker=request.user,
                date=data["date"],
                payee=data["payee"],
                amount=data["amount"],
                evidence=data["evidence"],
                description=data["description"],
            )
        except ProgramsError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Spending recorded; a second person must approve it."))
            return redirect("programs:budget", county.slug)
    page_obj = _page(
        request,
        Spending.objects.filter(budget_line__program__county=county)
        .select_related("budget_line", "recorded_by", "decided_by")
        .order_by("-date", "-pk"),
    )
    context = {
        "county": county,
        "programs": county.program_set.prefetch_related("budget_lines"),
        "budget": kpis.budget_use(county),
        "spendings": page_obj.object_list,
        "page_obj": page_obj,
        "form": form,
        "program_form": program_form,
        "line_form": line_form,
    }
    invalid = form.errors or program_form.errors or line_form.errors
    return render(request, "programs/budget.html", context, status=400 if invalid else 200)


@login_required
def targets(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _staff_county(request, county_slug)
    year = _year(request)
    current = dict(KpiTarget.objects.filter(county=county, year=year).values_list("kpi", "target"))
    form = TargetsForm(request.POST or None, initial={"year": year, **current})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen_year = data.pop("year")
        services.set_kpi_targets(county=county, year=chosen_year, targets=data, actor=request.user)
        messages.success(request, _("Targets for %(year)s saved.") % {"year": chosen_year})
        return redirect(f"{request.path}?year={chosen_year}")
    context = {"county": county, "form": form, "year": year}
    return render(request, "programs/targets.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def decide_spending(request: HttpRequest, county_slug: str, spending_id: int) -> HttpResponse:
    county = _staff_county(request, county_slug)
    spending = get_object_or_404(Spending, pk=spending_id, budget_line__program__county=county)
    try:
        services.decide_spending(
            spending=spending,
            checker=request.user,
            approve=request.POST.get("decision") == "approve",
        )
    except ProgramsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("programs:budget", county.slug)


@login_required
def evidence(request: HttpRequest, county_slug: str, kind: str, object_id: int) -> FileResponse:
    """Evidence documents are county records: served to county staff (and a task's owner) only."""
    county = get_object_or_404(County, slug=county_slug)
    if kind == "spending":
        record = get_object_or_404(Spending, pk=object_id, budget_line__program__county=county)
        allowed = is_county_admin(request.user, county)
    elif kind == "task-note":
        record = get_object_or_404(TaskNote, pk=object_id, task__program__county=county)
        allowed = is_county_admin(request.user, county) or record.task.owner_id == request.user.pk
    else:
        raise Http404
    if not allowed:
        raise PermissionDenied
    if not record.evidence:
        raise Http404
    # An attachment with a plain name: never shown inline, whatever the file claims to be.
    response = FileResponse(
        record.evidence.open("rb"),
        as_attachment=True,
        filename=PurePath(record.evidence.name).name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _owners(county: County):
    return (
        get_user_model().objects.filter(memberships__county=county).distinct().order_by("username")
    )


@login_required
def tasks(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _staff_county(request, county_slug)
    form = TaskForm(request.POST or None, county=county, owners=_owners(county))
    if request.method == "POST" and form.is_valid():
        task = services.create_task(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Task “%(title)s” added.") % {"title": task.title})
        return redirect("programs:tasks", county.slug)
    today = timezone.localdate()
    by = request.GET.get("by", "deadline")
    order = ("department", "deadline", "pk") if by == "department" else ("deadline", "pk")
    page_obj = _page(request, selectors.tasks_of_county(county).order_by(*order))
    tasks = list(page_obj.object_list)
    # Grouped within the page: a department that spans two pages is headed on both.
    groups = (
        [(name, list(group)) for name, group in groupby(tasks, key=attrgetter("department"))]
        if by == "department"
        else [("", tasks)]
    )
    overdue = {
        task.pk for _g, group in groups for task in group if selectors.is_overdue(task, today)
    }
    context = {
        "county": county,
        "groups": groups,
        "overdue": overdue,
        "by": by,
        "page_obj": page_obj,
        "form": form,
        "today": today,
    }
    return render(request, "programs/tasks.html", context, status=400 if form.errors else 200)


@login_required
def task_detail(request: HttpRequest, county_slug: str, task_id: int) -> HttpResponse:
    county = get_object_or_404(County, slug=county_slug)
    task = get_object_or_404(Task, pk=task_id, program__county=county)
    if not (is_county_admin(request.user, county) or task.owner_id == request.user.pk):
        raise PermissionDenied
    form = TaskNoteForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_task_progress(
                task=task,
                author=request.user,
                text=form.cleaned_data["text"],
                status=form.cleaned_data["status"] or None,
                evidence=form.cleaned_data["evidence"],
            )
        except ProgramsError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Progress recorded."))
            return redirect("programs:task", county.slug, task.pk)
    context = {
        "county": county,
        "task": task,
        "notes": task.notes.select_related("author"),
        "form": form,
        "overdue": selectors.is_overdue(task, timezone.localdate()),
    }
    return render(request, "programs/task.html", context, status=400 if form.errors else 200)


@login_required
def rules(request: HttpRequest, county_slug: str, rule_id: int | None = None) -> HttpResponse:
    county = _staff_county(request, county_slug)
    instance = get_object_or_404(IncentiveRule, pk=rule_id, county=county) if rule_id else None
    form = RuleForm(request.POST or None, instance=instance, county=county)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.save_incentive_rule(
                actor=request.user, county=county, rule=instance, **form.cleaned_data
            )
        except ProgramsError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
            return redirect("programs:rules", county.slug)
    context = {
        "county": county,
        "rules": IncentiveRule.objects.filter(county=county).select_related("budget_line"),
        "form": form,
        "editing": instance,
    }
    return render(request, "programs/rules.html", context, status=400 if form.errors else 200)


@login_required
def payouts(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _staff_county(request, county_slug)
    form = EvaluateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = payout_jobs.start_evaluation(
                county=county, period=form.cleaned_data["period"], actor=request.user
            )
        except ProgramsError as error:
            _form_error(form, error)
        else:
            return redirect("job", job.pk)
    page_obj = _page(request, PayoutRun.objects.filter(county=county).prefetch_related("lines"))
    context = {
        "county": county,
        "runs": page_obj.object_list,
        "page_obj": page_obj,
        "form": form,
        "last_month": previous_month(timezone.localdate()),
    }
    return render(request, "programs/payouts.html", context, status=400 if form.errors else 200)


@login_required
def run_detail(request: HttpRequest, county_slug: str, run_id: int) -> HttpResponse:
    county = _staff_county(request, county_slug)
    run = get_object_or_404(PayoutRun, pk=run_id, county=county)
    lines = run.lines.select_related("rule", "seller").order_by("rule_id", "fact_period", "pk")
    rows = [(line, fact_lines(line.facts)) for line in lines]
    context = {"county": county, "run": run, "rows": rows, "total": run.total}
    return render(request, "programs/run.html", context)


@login_required
@require_POST
def approve_run(request: HttpRequest, county_slug: str, run_id: int) -> HttpResponse:
    county = _staff_county(request, county_slug)
    run = get_object_or_404(PayoutRun, pk=run_id, county=county)
    try:
        incentives.approve_run(run=run, actor=request.user)
    except ProgramsError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Run approved: the payouts are in the ledger."))
    return redirect("programs:run", county.slug, run.pk)


@login_required
def export_run(request: HttpRequest, county_slug: str, run_id: int, fmt: str) -> HttpResponse:
    county = _staff_county(request, county_slug)
    run = get_object_or_404(PayoutRun, pk=run_id, county=county)
    name = f"payouts-{county.slug}-{run.period_start:%Y-%m}-run{run.pk}"
    if fmt == "csv":
        response = HttpResponse(run_csv(run), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            run_xlsx(run),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def stations(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _staff_county(request, county_slug)
    form = StationForm(request.POST or None, county=county)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            station = station_services.save_station(
                village=data["village"],
                actor=request.user,
                operator_name=data["operator_name"],
                address=data["address"],
                opening_hours=data["opening_hours"],
                services=data["services"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                active=data["active"],
            )
        except StationsError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Station %(name)s saved.") % {"name": station})
            return redirect("programs:stations", county.slug)
    parcels = selectors.parcels_per_station(county)
    station_list = [(station, parcels.get(station.pk, 0)) for station in stations_of_county(county)]
    context = {
        "county": county,
        "stations": station_list,
        "coverage": kpis.village_coverage(county),
        "parcels_chart": hbar_chart_svg(
            [(str(s), Decimal(n), None) for s, n in station_list], unit="count"
        ),
        "form": form,
    }
    return render(request, "programs/stations.html", context, status=400 if form.errors else 200)


@login_required
def my_payouts(request: HttpRequest) -> HttpResponse:
    """A seller's staff see their sellers' payouts, and nobody else's."""
    sellers = list(request.user.seller_staff_of.select_related("county"))
    if not sellers:
        raise PermissionDenied
    entries = selectors.ledger_of_sellers([s.pk for s in sellers])
    page_obj = _page(request, entries)
    context = {
        "sellers": sellers,
        "county": sellers[0].county,
        "entries": page_obj.object_list,
        "page_obj": page_obj,
        "total": selectors.ledger_total(entries),
    }
    return render(request, "programs/my_payouts.html", context)
