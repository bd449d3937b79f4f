"""The demo county's program, budget, spending, tasks, rules and two years of payouts; built
after the order history and the courses exist.

Everything goes through the same services the pages use (spending is recorded by one account and
approved by another, payout runs are evaluated and approved month by month), so the dashboard
shows what a county would really see.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from countyhub.catalog.models import Category
from countyhub.core.models import Role
from countyhub.core.months import add_months, month_start
from countyhub.core.services import grant_role
from countyhub.demo import data
from countyhub.demo.accounts import demo_user
from countyhub.demo.clock import on_day, pinned
from countyhub.demo.training import build_training
from countyhub.programs.entitlements import poor_household_sellers
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.models import (
    NATIONAL_CENTRAL_FUNDS,
    Kpi,
    ProgramLevel,
    RuleKind,
    TaskStatus,
)
from countyhub.programs.services import (
    add_task_progress,
    create_task,
    decide_spending,
    record_spending,
    save_budget_line,
    save_incentive_rule,
    save_program,
    set_kpi_targets,
)
from countyhub.shop.models import Order, OrderStatus
from countyhub.shop.services import refund_order
from countyhub.stations.models import Station

EVIDENCE = b"%PDF-1.4\n% demo invoice\n"


def _program(county: Any, admin: Any) -> tuple[Any, list[Any]]:
    program = save_program(
        actor=admin,
        county=county,
        name="电子商务进农村综合示范",
        level=ProgramLevel.NATIONAL,
        designation_year=timezone.localdate().year - 2,
        central_funds=NATIONAL_CENTRAL_FUNDS,
        local_matching=Decimal("5000000.00"),
        agricultural_categories=Category.objects.filter(county=county).exclude(slug="crafts"),
    )
    lines = [
        save_budget_line(actor=admin, program=program, name=name, kind=kind, amount=Decimal(amount))
        for name, kind, amount in data.BUDGET_LINES
    ]
    return program, lines


def _spending(lines: list[Any], maker: Any, checker: Any, rng: random.Random) -> int:
    """Spending recorded on its day by one official and decided the next by another."""
    today = timezone.localdate()
    count = 0
    payees = ["县建设工程公司", "邮政分公司", "县职业技术学校", "品牌策划公司", "冷链设备公司"]
    for index in range(18):
        line = lines[index % len(lines)]
        day = today - datetime.timedelta(days=700 - index * 38)
        with pinned(on_day(day, 15)):
            spending = record_spending(
                budget_line=line,
                maker=maker,
                date=day,
                payee=rng.choice(payees),
                amount=Decimal(rng.randrange(50, 400) * 1000),
                evidence=ContentFile(EVIDENCE, name=f"invoice-{index + 1}.pdf"),
                description="示范项目资金支出",
            )
        if index < 16:  # the last two still await the second signature
            with pinned(on_day(day + datetime.timedelta(days=1), 10)):
                decide_spending(spending=spending, checker=checker, approve=index != 7)
        count += 1
    return count


def _tasks(program: Any, admin: Any, owners: list[Any]) -> None:
    """Tasks planned two years ago; those done were reported done by their owners that day."""
    today = timezone.localdate()
    with pinned(on_day(add_months(today, -24), 9)):
        tasks = [
            create_task(
                actor=admin,
                program=program,
                title=title,
                department=department,
                owner=owners[index % len(owners)],
                deadline=today + datetime.timedelta(days=deadline_in),
            )
            for index, (title, department, deadline_in, _done_after) in enumerate(data.TASKS)
        ]
    for task, (_title, _department, _deadline_in, done_after) in zip(
        tasks, data.TASKS, strict=True
    ):
        if done_after is None:
            started = min(task.deadline - datetime.timedelta(days=60), today)
            with pinned(on_day(started, 9)):
                add_task_progress(
                    task=task, author=task.owner, text="已启动", status=TaskStatus.IN_PROGRESS
                )
        else:
            with pinned(on_day(task.deadline + datetime.timedelta(days=done_after), 17)):
                add_task_progress(
                    task=task, author=task.owner, text="已完成", status=TaskStatus.DONE
                )


RULES = [
    ("贫困户电商物流补贴", RuleKind.LOGISTICS_SUBSIDY, 1, {"amount": Decimal("1.50")}),
    (
        "网络销售奖励",
        RuleKind.SALES_REWARD,
        3,
        {"percent": Decimal("3"), "threshold": Decimal("3000.00"), "cap": Decimal("800.00")},
    ),
    ("电商培训结业补贴", RuleKind.TRAINING_STIPEND, 2, {"amount": Decimal("200.00")}),
    (
        "新开网店启动奖励",
        RuleKind.STARTUP_GRANT,
        4,
        {"amount": Decimal("2000.00"), "order_count": 30, "months": 18},
    ),
]


def _rules_and_payouts(county: Any, lines: list[Any], admin: Any, report: Callable) -> int:
    """Four rules from two years ago; each month's payout run is evaluated and approved on
    the second of the next month."""
    first_month = month_start(add_months(timezone.localdate(), -24))
    with pinned(on_day(first_month, 9)):
        for name, kind, line, terms in RULES:
            terms = dict(terms)
            months = terms.pop("months", None)
            save_incentive_rule(
                actor=admin,
                county=county,
                name=name,
                kind=kind,
                budget_line=lines[line],
                valid_from=first_month,
                valid_until=add_months(first_month, months) if months else None,
                **terms,
            )
    runs = 0
    for offset in range(24):
        period = add_months(first_month, offset)
        report(f"payouts {period:%Y-%m}")
        run_day = add_months(period, 1) + datetime.timedelta(days=1)
        with pinned(on_day(run_day, 10)):
            run = evaluate_period(county=county, period=period, actor=admin)
            approve_run(run=run, actor=admin)
        runs += 1
        if offset == 12:
            # Two parcels the logistics subsidy paid for come back: the next run books the
            # reversals.
            parcels = Order.objects.filter(
                county=county,
                delivery_method="home",
                status=OrderStatus.COMPLETED,
                seller__in=poor_household_sellers(county),
            )
            with pinned(on_day(run_day, 15)):
                for order in parcels.order_by("placed_at")[:2]:
                    refund_order(
                        order=order,
                        actor=admin,
                        reason="质量问题退货",
                        reference=f"退款 {order.number}",
                    )
    return runs


def _targets(county: Any, admin: Any) -> None:
    year = timezone.localdate().year
    targets = {
        Kpi.ONLINE_SALES: "150000",
        Kpi.AGRICULTURAL_SALES: "130000",
        Kpi.ORDERS_OUT: "300",
        Kpi.ACTIVE_SELLERS: "7",
        Kpi.POOR_REACHED: "16",
        Kpi.PEOPLE_TRAINED: "60",
        Kpi.TRAINEES_SELLING: "30",
        Kpi.TASKS_ON_TIME: "90",
        Kpi.PAYOUTS: "6000",
        Kpi.FUNDS_SPENT: "10000000",
    }
    for y in (year - 1, year):
        set_kpi_targets(
            county=county,
            year=y,
            targets={kpi: Decimal(value) for kpi, value in targets.items()},
            actor=admin,
        )


def build_programs_demo(
    county: Any,
    rng: random.Random,
    *,
    password: str,
    progress: Callable[[str], None] | None = None,
) -> str:
    report = progress or (lambda _step: None)
    users = get_user_model().objects.in_bulk(
        ["admin", "seller", "station", "trainer"], field_name="username"
    )
    # Maker-checker needs a second county official: the finance officer approves spending.
    finance = demo_user("finance", password)
    admin = users["admin"]
    grant_role(actor=admin, user=finance, county=county, role=Role.COUNTY_ADMIN)
    report("program and budget")
    program, lines = _program(county, admin)
    _spending(lines, maker=admin, checker=finance, rng=rng)
    _tasks(program, admin, [admin, finance, users["trainer"]])
    report("training")
    certificates = build_training(county, users["trainer"], admin, users["seller"], rng)
    _targets(county, admin)
    runs = _rules_and_payouts(county, lines, admin, report)
    return (
        f"program with {len(lines)} budget lines, {len(data.TASKS)} tasks, "
        f"{Station.objects.filter(county=county).count()} stations, "
        f"{certificates} certificates, {runs} approved payout runs"
    )
