"""KPIs computed from platform facts on a hand-computed county; dashboard, PDF, province view."""

import datetime
import subprocess
from decimal import Decimal

import pytest
import time_machine

from countyhub.catalog.models import HouseholdMember, SellerHousehold
from countyhub.core.models import Province
from countyhub.core.services import appoint_province_official
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.kpis import county_kpis
from countyhub.programs.models import Kpi, KpiTarget, Task, TaskStatus
from countyhub.shop.models import OrderStatus
from countyhub.training.services import enroll_trainee, record_attendance
from tests.factories.catalog import CategoryFactory, HouseholdFactory, ProductFactory
from tests.factories.core import CountyFactory, UserFactory
from tests.factories.programs import BudgetLineFactory, RuleFactory, make_order
from tests.factories.training import SessionFactory

TODAY = datetime.date(2025, 6, 30)


@pytest.fixture
def facts(world):
    county, admin = world.county, world.users["county_admin"]
    budget = BudgetLineFactory(program__county=county, amount=Decimal("1000.00"))
    farm = CategoryFactory(county=county)
    budget.program.agricultural_categories.add(farm)
    world.product.category = farm
    world.product.save()
    poor = HouseholdFactory(county=county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=poor, link="employs")
    HouseholdFactory(county=county, registered_poor=True)  # not reached
    first = make_order(world.seller, day=datetime.date(2025, 5, 3), total="100.00")
    first.lines.create(
        product=world.product,
        product_name="苹果",
        unit="box",
        quantity=4,
        unit_price=Decimal("25.00"),
        line_total=Decimal("100.00"),
    )
    make_order(world.seller, day=datetime.date(2025, 6, 3), total="50.00", station=world.station)
    make_order(world.other_seller, day=datetime.date(2025, 6, 4), total="70.00")
    make_order(
        world.other_seller, day=datetime.date(2025, 6, 5), total="999.00", status="cancelled"
    )
    make_order(world.other_seller, day=datetime.date(2024, 6, 5), total="30.00")  # last year
    RuleFactory(budget_line=budget, amount=Decimal("2.50"))
    run = evaluate_period(county=county, period=datetime.date(2025, 5, 1), actor=admin, today=TODAY)
    approve_run(run=run, actor=admin)
    session = SessionFactory(course__county=county, date=datetime.date(2025, 3, 1))
    member = HouseholdMember.objects.create(household=poor, name="学员")
    enrollment = enroll_trainee(session=session, member=member, actor=admin)
    # Certified the day after the session (certificates come once its day is over).
    with time_machine.travel(datetime.datetime(2025, 3, 2, 4, tzinfo=datetime.UTC), tick=False):
        record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    owner = world.users["county_admin"]
    for deadline, done in ((5, 4), (10, 12), (20, None)):
        Task.objects.create(
            program=budget.program,
            title=f"t{deadline}",
            department="商务局",
            owner=owner,
            deadline=datetime.date(2025, 6, deadline),
            status=TaskStatus.DONE if done else TaskStatus.PLANNED,
            completed_on=datetime.date(2025, 6, done) if done else None,
        )
    KpiTarget.objects.create(county=county, kpi=Kpi.ONLINE_SALES, year=2025, target=200)
    return world


def test_kpis_come_from_the_facts(facts):
    board = county_kpis(county=facts.county, year=2025, today=TODAY)
    value = {k.kpi: k.value for k in board.kpis}
    assert value[Kpi.ONLINE_SALES] == Decimal("220.00")  # 100 + 50 + 70 (cancelled left out)
    assert value[Kpi.AGRICULTURAL_SALES] == Decimal("100.00")
    assert value[Kpi.ORDERS_OUT] == 2  # the station order stays in the county
    assert value[Kpi.ACTIVE_SELLERS] == 2
    assert value[Kpi.POOR_REACHED] == 1
    assert value[Kpi.PEOPLE_TRAINED] == 1
    assert value[Kpi.TRAINEES_SELLING] == 1
    assert value[Kpi.TASKS_ON_TIME] == Decimal("33.30")  # 1 of the 3 due in 2025
    assert value[Kpi.PAYOUTS] == Decimal("2.50")
    assert value[Kpi.FUNDS_SPENT] == Decimal("2.50")
    sales = board.kpi(Kpi.ONLINE_SALES)
    assert (sales.target, sales.met) == (Decimal("200"), True)
    assert sales.trend[-2:] == [("2025-05", Decimal("100.00")), ("2025-06", Decimal("120.00"))]
    assert len(sales.trend) == 12
    coverage = board.kpi(Kpi.VILLAGE_COVERAGE)
    assert coverage.target == Decimal("50")  # the demonstration program's default
    [(rule, total, payees)] = board.payouts_by_rule
    assert rule.kind == "logistics_subsidy"
    assert (total, payees) == (Decimal("2.50"), 1)


def test_dashboard_page_and_pdf_report(facts, client, tmp_path):
    client.force_login(facts.users["county_admin"])
    page = client.get(f"/c/{facts.county.slug}/programs/", {"year": "2025"})
    html = page.content.decode()
    assert html.count('class="kpi-chart"') == len(Kpi)
    assert 'id="kpi-online_sales"' in html
    response = client.get(f"/c/{facts.county.slug}/programs/report.pdf", {"year": "2025"})
    assert response["Content-Type"] == "application/pdf"
    (tmp_path / "r.pdf").write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert facts.county.name in text
    assert "¥220.00" in text


def test_province_view_compares_the_officials_counties_only(facts, client):
    province = Province.objects.create(name="示范省", code="52")
    facts.county.province = province
    facts.county.save()
    elsewhere = CountyFactory(name="远方县", province=Province.objects.create(name="远方省"))
    official = UserFactory(username="province-official")
    appoint_province_official(actor=None, user=official, province=province)

    client.force_login(official)
    html = client.get("/programs/province/", {"year": "2025"}).content.decode()
    assert facts.county.name in html and elsewhere.name not in html
    assert html.count('class="hbar-chart"') == 6
    assert 'href="/programs/province/"' in client.get("/orders/").content.decode()
    # A county's own administrators and analysts compare no other county.
    for role in ("county_admin", "analyst", "seller_staff"):
        client.force_login(facts.users[role])
        assert client.get("/programs/province/").status_code == 403
        assert 'href="/programs/province/"' not in client.get("/orders/").content.decode()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    html = client.get("/programs/province/", {"year": "2025"}).content.decode()
    assert facts.county.name in html and elsewhere.name in html


def test_dashboard_query_count_does_not_grow_with_orders(facts, django_assert_max_num_queries):
    for day in range(1, 20):
        make_order(facts.other_seller, day=datetime.date(2025, 4, day))
    ProductFactory(county=facts.county)
    with django_assert_max_num_queries(90):
        county_kpis(county=facts.county, year=2025, today=TODAY)


def test_a_new_order_changes_the_kpi(facts):
    before = county_kpis(county=facts.county, year=2025, today=TODAY).kpi(Kpi.ONLINE_SALES)
    make_order(facts.seller, day=datetime.date(2025, 6, 10), total="30.00")
    after = county_kpis(county=facts.county, year=2025, today=TODAY).kpi(Kpi.ONLINE_SALES)
    assert after.value - before.value == Decimal("30.00")
    make_order(facts.seller, day=datetime.date(2025, 6, 11), status=OrderStatus.REFUNDED)
    again = county_kpis(county=facts.county, year=2025, today=TODAY).kpi(Kpi.ONLINE_SALES)
    assert again.value == after.value
