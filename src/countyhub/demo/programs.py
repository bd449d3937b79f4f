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

from countyhub.catalog.models import Category, Household, Seller, SellerHousehold
from countyhub.core.models import Membership, Role
from countyhub.core.months import add_months, month_start
from countyhub.demo import data
from countyhub.demo.accounts import demo_user
from countyhub.demo.orders import build_orders_out_of_county
from countyhub.demo.training import build_training
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.models import (
    BudgetLine,
    IncentiveRule,
    Kpi,
    KpiTarget,
    Program,
    ProgramLevel,
    RuleKind,
    Task,
    TaskStatus,
)
from countyhub.programs.services import decide_spending, record_spending
from countyhub.shop.models import Order, OrderStatus
from countyhub.shop.services import refund_order
from countyhub.stations.models import Station

EVIDENCE = b"%PDF-1.4\n% demo invoice\n"


def _program(county: Any) -> tuple[Any, list[Any]]:

    today = timezone.localdate()
    program = Program.objects.create(
        county=county,
        name="电子商务进农村综合示范",
        level=ProgramLevel.NATIONAL,
        designation_year=today.year - 2,
        local_matching=Decimal("5000000.00"),
    )
    program.agricultural_categories.set(
        Category.objects.filter(county=county).exclude(slug="crafts")
    )
    lines = [
        BudgetLine.objects.create(program=program, name=name, kind=kind, amount=Decimal(amount))
        for name, kind, amount in data.BUDGET_LINES
    ]
    return program, lines


def _spending(lines: list[Any], maker: Any, checker: Any, rng: random.Random) -> int:

    today = timezone.localdate()
    count = 0
    payees = ["县建设工程公司", "邮政分公司", "县职业技术学校", "品牌策划公司", "冷链设备公司"]
    for index in range(18):
        line = lines[index % len(lines)]
        spending = record_spending(
            budget_line=line,
            maker=maker,
            date=today - datetime.timedelta(days=700 - index * 38),
            payee=rng.choice(payees),
            amount=Decimal(rng.randrange(50, 400) * 1000),
            evidence=ContentFile(EVIDENCE, name=f"invoice-{index + 1}.pdf"),
            description="示范项目资金支出",
        )
        if index < 16:  # the last two still await the second signature
            decide_spending(spending=spending, checker=checker, approve=index != 7)
        count += 1
    return count


def _tasks(program: Any, owners: list[Any]) -> None:

    today = timezone.localdate()
    for index, (title, department, deadline_in, done_after) in enumerate(data.TASKS):
        deadline = today + datetime.timedelta(days=deadline_in)
        done = done_after is not None
        Task.objects.create(
            program=program,
            title=title,
            department=department,
            owner=owners[index % len(owners)],
            deadline=deadline,
            status=TaskStatus.DONE if done else TaskStatus.IN_PROGRESS,
            completed_on=deadline + datetime.timedelta(days=done_after) if done else None,
        )


def _poor_employment(county: Any) -> None:
    """Three sellers employ registered poor households (who then earn the logistics subsidy)."""

    sellers = list(Seller.objects.filter(county=county).order_by("pk")[:3])
    poor = list(Household.objects.filter(county=county, registered_poor=True).order_by("pk"))
    SellerHousehold.objects.bulk_create(
        SellerHousehold(seller=sellers[i % 3], household=h, link=SellerHousehold.Link.EMPLOYS)
        for i, h in enumerate(poor[:9])
    )


def _rules_and_payouts(county: Any, lines: list[Any], admin: Any, report: Callable) -> int:

    today = timezone.localdate()
    first_month = month_start(add_months(today, -24))
    logistics, training, marketing, park = lines[1], lines[2], lines[3], lines[4]
    IncentiveRule.objects.create(
        county=county,
        name="贫困户电商物流补贴",
        kind=RuleKind.LOGISTICS_SUBSIDY,
        budget_line=logistics,
        valid_from=first_month,
        amount=Decimal("1.50"),
    )
    IncentiveRule.objects.create(
        county=county,
        name="网络销售奖励",
        kind=RuleKind.SALES_REWARD,
        budget_line=marketing,
        valid_from=first_month,
        percent=Decimal("3"),
        threshold=Decimal("3000.00"),
        cap=Decimal("800.00"),
    )
    IncentiveRule.objects.create(
        county=county,
        name="电商培训结业补贴",
        kind=RuleKind.TRAINING_STIPEND,
        budget_line=training,
        valid_from=first_month,
        amount=Decimal("200.00"),
    )
    IncentiveRule.objects.create(
        county=county,
        name="新开网店启动奖励",
        kind=RuleKind.STARTUP_GRANT,
        budget_line=park,
        valid_from=first_month,
        valid_until=add_months(first_month, 18),
        amount=Decimal("2000.00"),
        order_count=30,
    )
    runs = 0
    for offset in range(24):
        period = add_months(first_month, offset)
        report(f"payouts {period:%Y-%m}")
        run = evaluate_period(county=county, period=period, actor=admin)
        approve_run(run=run, actor=admin)
        runs += 1
        if offset == 12:
            # Two parcels of an earlier month come back: the next run books the reversals.
            for order in Order.objects.filter(
                county=county, delivery_method="home", status=OrderStatus.COMPLETED
            ).order_by("placed_at")[:2]:
                refund_order(order=order, actor=admin, reason="质量问题退货")
    return runs


def _targets(county: Any) -> None:

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
        KpiTarget.objects.bulk_create(
            KpiTarget(county=county, kpi=kpi, year=y, target=Decimal(value))
            for kpi, value in targets.items()
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
    Membership.objects.get_or_create(user=finance, county=county, role=Role.COUNTY_ADMIN)
    admin = users["admin"]
    report("program and budget")
    program, lines = _program(county)
    _spending(lines, maker=admin, checker=finance, rng=rng)
    _tasks(program, [admin, finance, users["trainer"]])
    _poor_employment(county)
    report("orders out of the county")
    buyers = [demo_user(f"city-buyer-{i}", password) for i in range(1, 7)]
    shipped_out = build_orders_out_of_county(county, buyers, rng)
    report("training")
    certificates = build_training(county, users["trainer"], admin, users["seller"], rng)
    _targets(county)
    runs = _rules_and_payouts(county, lines, admin, report)
    return (
        f"program with {len(lines)} budget lines, {len(data.TASKS)} tasks, "
        f"{Station.objects.filter(county=county).count()} stations, "
        f"{shipped_out} parcels out of the county, "
        f"{certificates} certificates, {runs} approved payout runs"
    )
