"""The demo county's program, budget, spending, tasks, courses with trainees and two years of
payouts; called by `countyhub.demo.build_demo` after the order history exists.

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

from countyhub.core.months import add_months
from countyhub.shop.demo import save_past_orders

BUDGET_LINES = [
    ("县级电子商务公共服务中心", "investment", "5000000.00"),
    ("物流配送与村级服务站点", "investment", "6000000.00"),
    ("电商培训", "current", "2000000.00"),
    ("品牌培育与营销推广", "current", "3000000.00"),
    ("电子商务产业园", "investment", "5000000.00"),
    ("农产品冷链", "investment", "4000000.00"),
]
TASKS = [
    ("建成县级电子商务公共服务中心并投入运营", "商务局", -600, 30),
    ("完成 12 个村级服务站点选址", "商务局", -540, -10),
    ("出台电商物流补贴实施细则", "财政局", -500, 5),
    ("县域公用品牌“青山好物”注册与发布", "农业农村局", -420, 0),
    ("冷链仓储中心立项", "发改局", -300, 20),
    ("开展电商运营培训 500 人次", "人社局", -200, -5),
    ("电子商务产业园招商 20 家", "商务局", -60, None),
    ("村级站点快递进村全覆盖", "邮政管理局", 45, None),
    ("贫困户网上销售台账季度核查", "乡村振兴局", 20, None),
    ("年度示范县绩效自评报告", "商务局", 120, None),
]
COURSES = [
    ("电子商务运营", "E-Commerce Operation", 24, "开店流程、选品定价、客服、平台规则、数据分析"),
    ("直播带货", "Live-stream selling", 16, "直播间布置、话术、选品、合规与售后"),
    ("农产品摄影", "Product photography", 8, "手机拍摄、布光、主图与详情页"),
    ("包装与物流", "Packaging and logistics", 8, "生鲜包装、破损控制、快递选择与运费"),
    ("跨境电商基础", "Cross-border basics", 16, "海关编码、跨境平台、国际物流、结汇"),
]
OUT_OF_COUNTY = [
    "北京市朝阳区建国路 88 号",
    "上海市浦东新区世纪大道 100 号",
    "广东省广州市天河区天河路 208 号",
    "浙江省杭州市西湖区文三路 90 号",
    "四川省成都市武侯区人民南路 4 段",
    "湖北省武汉市江汉区解放大道 690 号",
]
EVIDENCE = b"%PDF-1.4\n% demo invoice\n"


def _user(username: str, password: str, email: str = "") -> Any:
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": email or f"{username}@demo.countyhub.invalid"}
    )
    if created:
        user.set_password(password)
        user.save()
    return user


def _program(county: Any) -> tuple[Any, list[Any]]:
    from countyhub.catalog.models import Category
    from countyhub.programs.models import BudgetLine, Program, ProgramLevel

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
        for name, kind, amount in BUDGET_LINES
    ]
    return program, lines


def _spending(lines: list[Any], maker: Any, checker: Any, rng: random.Random) -> int:
    from countyhub.programs.services import decide_spending, record_spending

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
    from countyhub.programs.models import Task, TaskStatus

    today = timezone.localdate()
    for index, (title, department, deadline_in, done_after) in enumerate(TASKS):
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
    from countyhub.catalog.models import Household, Seller, SellerHousehold

    sellers = list(Seller.objects.filter(county=county).order_by("pk")[:3])
    poor = list(Household.objects.filter(county=county, registered_poor=True).order_by("pk"))
    SellerHousehold.objects.bulk_create(
        SellerHousehold(seller=sellers[i % 3], household=h, link=SellerHousehold.Link.EMPLOYS)
        for i, h in enumerate(poor[:9])
    )


def _orders_out_of_county(county: Any, buyers: list[Any], rng: random.Random) -> int:
    """Parcels to buyers in the cities, the point of county e-commerce: home deliveries."""
    from countyhub.catalog.models import Product
    from countyhub.core.money import quantize_cny
    from countyhub.shop.models import (
        Checkout,
        DeliveryMethod,
        Order,
        OrderStatus,
        PaymentMethod,
    )

    products = list(Product.objects.filter(county=county).order_by("pk"))
    now = timezone.now()
    planned = [
        now - datetime.timedelta(days=day, minutes=rng.randint(0, 1200))
        for day in range(24 * 30, 0, -1)
        if rng.random() < 0.45 + (24 * 30 - day) / 1600
    ]
    checkouts = Checkout.objects.bulk_create(
        Checkout(
            county=county,
            buyer=buyers[i % len(buyers)],
            idempotency_key=f"demo-out-{i}",
            request_fingerprint="demo",
        )
        for i in range(len(planned))
    )
    orders, lines = [], []
    for index, (checkout, placed_at) in enumerate(zip(checkouts, planned, strict=True)):
        product = rng.choice(products)
        quantity = Decimal(rng.randint(1, 4))
        total = quantize_cny(product.price * quantity)
        orders.append(
            Order(
                county=county,
                number=f"{placed_at:%Y%m%d}-X{index:05d}",
                checkout=checkout,
                buyer=checkout.buyer,
                seller_id=product.seller_id,
                status=OrderStatus.COMPLETED,
                delivery_method=DeliveryMethod.HOME,
                recipient_name=checkout.buyer.username,
                phone="13900000000",
                address=rng.choice(OUT_OF_COUNTY),
                payment_method=PaymentMethod.BANK_TRANSFER,
                total=total,
                placed_at=placed_at,
            )
        )
        lines.append((product, quantity, total))
    return save_past_orders(
        orders,
        lines,
        paid_after=datetime.timedelta(hours=2),
        history=[
            (OrderStatus.PLACED, datetime.timedelta(0)),
            (OrderStatus.PAID, datetime.timedelta(hours=2)),
            (OrderStatus.SHIPPED, datetime.timedelta(days=1)),
            (OrderStatus.COMPLETED, datetime.timedelta(days=6)),
        ],
    )


def _training(county: Any, trainer: Any, admin: Any, seller_user: Any, rng: random.Random) -> int:
    from countyhub.catalog.models import HouseholdMember, SellerHousehold
    from countyhub.training.models import Course, Session
    from countyhub.training.services import enroll_trainee, record_attendance

    today = timezone.localdate()
    linked = set(SellerHousehold.objects.values_list("household_id", flat=True))
    members = list(HouseholdMember.objects.filter(household__county=county).order_by("pk"))
    # People from households that sell or work for sellers first, so outcomes have something.
    members.sort(key=lambda m: (m.household_id not in linked, m.pk))
    certificates = 0
    member_index = 0
    for course_index, (title, title_en, hours, syllabus) in enumerate(COURSES):
        course = Course.objects.create(
            county=county, title=title, title_en=title_en, hours=hours, syllabus=syllabus
        )
        for session_index in range(2):
            date = add_months(today, -22 + course_index * 3 + session_index * 9)
            session = Session.objects.create(
                course=course,
                date=date,
                place="县电子商务公共服务中心培训室",
                trainer=trainer,
                capacity=8,
            )
            trainees = members[member_index : member_index + 10]
            member_index = (member_index + 7) % max(len(members) - 10, 1)
            enrollments = []
            if course_index == 0 and session_index == 0:
                enrollments.append(enroll_trainee(session=session, user=seller_user, actor=admin))
            enrollments += [
                enroll_trainee(session=session, member=member, actor=admin) for member in trainees
            ]
            if date <= today:
                # Seller staff always come (the demo's `seller` account has a certificate).
                present = [
                    e.pk
                    for e in enrollments
                    if e.status == "enrolled" and (e.user_id or rng.random() < 0.85)
                ]
                certificates += len(
                    record_attendance(session=session, present_ids=present, actor=admin)
                )
    return certificates


def _rules_and_payouts(county: Any, lines: list[Any], admin: Any, report: Callable) -> int:
    from countyhub.core.months import month_start
    from countyhub.programs.incentives import approve_run, evaluate_period
    from countyhub.programs.models import IncentiveRule, RuleKind
    from countyhub.shop.models import Order, OrderStatus
    from countyhub.shop.services import refund_order

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
    from countyhub.programs.models import Kpi, KpiTarget

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
    from countyhub.core.models import Membership, Role
    from countyhub.stations.models import Station

    report = progress or (lambda _step: None)
    users = get_user_model().objects.in_bulk(
        ["admin", "seller", "station", "trainer"], field_name="username"
    )
    # Maker-checker needs a second county official: the finance officer approves spending.
    finance = _user("finance", password)
    Membership.objects.get_or_create(user=finance, county=county, role=Role.COUNTY_ADMIN)
    admin = users["admin"]
    report("program and budget")
    program, lines = _program(county)
    _spending(lines, maker=admin, checker=finance, rng=rng)
    _tasks(program, [admin, finance, users["trainer"]])
    _poor_employment(county)
    report("orders out of the county")
    buyers = [_user(f"city-buyer-{i}", password) for i in range(1, 7)]
    shipped_out = _orders_out_of_county(county, buyers, rng)
    report("training")
    certificates = _training(county, users["trainer"], admin, users["seller"], rng)
    _targets(county)
    runs = _rules_and_payouts(county, lines, admin, report)
    return (
        f"program with {len(lines)} budget lines, {len(TASKS)} tasks, "
        f"{Station.objects.filter(county=county).count()} stations, "
        f"{shipped_out} parcels out of the county, "
        f"{certificates} certificates, {runs} approved payout runs"
    )
