"""The programs pages: permissions per role, maker-checker, rules, runs, exports, stations."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from countyhub.catalog.models import SellerHousehold
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.kpis import village_coverage
from countyhub.programs.models import (
    IncentiveRule,
    LedgerEntry,
    PayoutRun,
    Spending,
    SpendingStatus,
)
from countyhub.stations.models import Station
from countyhub.stations.services import save_station
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory, VillageFactory
from tests.factories.programs import BudgetLineFactory, RuleFactory, make_order
from tests.factories.stations import StationFactory

PAGES = ["", "budget/", "tasks/", "rules/", "payouts/", "stations/", "report.pdf"]


@pytest.fixture
def budget(world):
    return BudgetLineFactory(program__county=world.county, amount=Decimal("1000.00"))


@pytest.fixture
def second_admin(world):
    user = UserFactory(username="second-admin")
    MembershipFactory(user=user, county=world.county, role="county_admin")
    return user


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 302),
        ("buyer", 403),
        ("seller_staff", 403),
        ("station_operator", 403),
        ("trainer", 403),
        ("other_county_admin", 403),
        ("county_admin", 200),
    ],
)
def test_back_office_pages_are_for_county_staff(world, client, budget, page, role, status):
    if world.users[role]:
        client.force_login(world.users[role])
    response = client.get(f"/c/{world.county.slug}/programs/{page}")
    assert response.status_code == status


def test_analysts_see_the_dashboard_but_not_the_money_pages(world, client, budget):
    client.force_login(world.users["analyst"])
    assert client.get(f"/c/{world.county.slug}/programs/").status_code == 200
    assert client.get(f"/c/{world.county.slug}/programs/budget/").status_code == 403


def spending_form(budget, amount="300.00"):
    return {
        "budget_line": budget.pk,
        "date": "2025-03-01",
        "payee": "县物流公司",
        "amount": amount,
        "description": "村级站点快递柜",
        "evidence": SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 invoice", "application/pdf"),
    }


def test_spending_needs_a_second_person(world, client, budget, second_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    admin = world.users["county_admin"]
    client.force_login(admin)
    url = f"/c/{world.county.slug}/programs/budget/"
    assert client.post(url, spending_form(budget)).status_code == 302
    spending = Spending.objects.get()
    assert spending.status == SpendingStatus.PENDING
    decide = f"/c/{world.county.slug}/programs/spending/{spending.pk}/decide/"
    page = client.post(decide, {"decision": "approve"}, follow=True).content.decode()
    assert "second person" in page
    spending.refresh_from_db()
    assert spending.status == SpendingStatus.PENDING
    client.force_login(second_admin)
    client.post(decide, {"decision": "approve"})
    spending.refresh_from_db()
    assert (spending.status, spending.decided_by) == (SpendingStatus.APPROVED, second_admin)


def test_spending_over_the_remaining_budget_is_refused_with_the_numbers(
    world, client, budget, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users["county_admin"])
    url = f"/c/{world.county.slug}/programs/budget/"
    client.post(url, spending_form(budget, "700.00"))
    response = client.post(url, spending_form(budget, "300.01"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "¥300.01" in page
    assert "budget ¥1,000.00" in page
    assert "remaining ¥300.00" in page
    assert Spending.objects.count() == 1


def test_bad_spending_input_names_the_field(world, client, budget):
    client.force_login(world.users["county_admin"])
    form = spending_form(budget, "abc")
    form.pop("evidence")
    response = client.post(f"/c/{world.county.slug}/programs/budget/", form)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"amount", "evidence"}


def test_rule_form_says_which_parameter_a_kind_needs(world, client, budget):
    client.force_login(world.users["county_admin"])
    response = client.post(
        f"/c/{world.county.slug}/programs/rules/",
        {
            "name": "销售奖励",
            "kind": "sales_reward",
            "budget_line": budget.pk,
            "valid_from": "2025-01-01",
            "percent": "5",
            "active": "on",
        },
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"threshold", "cap"}
    assert not IncentiveRule.objects.exists()


def test_rule_form_refuses_another_countys_budget_line(world, client):
    other = BudgetLineFactory()
    client.force_login(world.users["county_admin"])
    response = client.post(
        f"/c/{world.county.slug}/programs/rules/",
        {
            "name": "物流补贴",
            "kind": "logistics_subsidy",
            "budget_line": other.pk,
            "valid_from": "2025-01-01",
            "amount": "2",
        },
    )
    assert "budget_line" in response.context["form"].errors


def paid_january(world, budget):
    household = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    RuleFactory(budget_line=budget, amount=Decimal("2.50"))
    order = make_order(world.seller, day=datetime.date(2025, 1, 5))
    admin = world.users["county_admin"]
    run = evaluate_period(county=world.county, period=datetime.date(2025, 1, 1), actor=admin)
    return approve_run(run=run, actor=admin), order


def test_run_page_shows_the_facts_and_exports_them(world, client, budget):
    run, order = paid_january(world, budget)
    world.seller.bank_account_number = "6221000012345678"
    world.seller.save()
    client.force_login(world.users["county_admin"])
    base = f"/c/{world.county.slug}/programs/payouts/{run.pk}/"
    page = client.get(base).content.decode()
    assert order.number in page
    assert "1 × ¥2.50 = ¥2.50" in page
    rows = list(
        csv.reader(io.StringIO(client.get(base + "export.csv").content.decode("utf-8-sig")))
    )
    assert rows[0][:3] == ["run", "period", "rule"]
    assert rows[1][7] == world.seller.name
    assert rows[1][11] == "6221000012345678"
    assert rows[1][14] == "2.50"
    assert order.number in rows[1][16]
    workbook = load_workbook(io.BytesIO(client.get(base + "export.xlsx").content))
    sheet = workbook.active
    assert sheet.cell(2, 15).value == 2.5
    assert sheet.cell(2, 8).value == world.seller.name
    assert client.get(base + "export.pdf").status_code == 404


def test_runs_and_exports_of_another_county_are_hidden(world, client, budget):
    run, _order = paid_january(world, budget)
    client.force_login(world.users["other_county_admin"])
    other_slug = world.users["other_county_admin"].memberships.get().county.slug
    assert client.get(f"/c/{other_slug}/programs/payouts/{run.pk}/").status_code == 404
    assert client.get(f"/c/{other_slug}/programs/payouts/{run.pk}/export.csv").status_code == 404


def test_evaluate_and_approve_from_the_page(world, client, budget):
    household = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    RuleFactory(budget_line=budget, amount=Decimal("2.50"))
    make_order(world.seller, day=datetime.date(2025, 1, 5))
    client.force_login(world.users["county_admin"])
    url = f"/c/{world.county.slug}/programs/payouts/"
    assert client.post(url, {"period": "2025-13"}).context["form"].errors["period"]
    response = client.post(url, {"period": "2025-01"})
    # Evaluated in the background: the page is the job's, which leads to the run.
    job = Job.objects.get(kind="programs.payout_run")
    assert response["Location"] == f"/jobs/{job.pk}/" and not PayoutRun.objects.exists()
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    run = PayoutRun.objects.get()
    assert job.status == JobStatus.SUCCEEDED and job.created_by == world.users["county_admin"]
    assert job.result["url"].endswith(f"/payouts/{run.pk}/") and job.result["lines"] == 1
    client.force_login(world.users["seller_staff"])
    assert client.post(f"{url}{run.pk}/approve/").status_code == 403
    client.force_login(world.users["county_admin"])
    client.post(f"{url}{run.pk}/approve/")
    assert LedgerEntry.objects.get().amount == Decimal("2.50")


def test_a_seller_sees_only_its_own_payouts(world, client, budget):
    paid_january(world, budget)
    client.force_login(world.users["seller_staff"])
    page = client.get("/programs/my-payouts/").content.decode()
    assert "¥2.50" in page
    client.force_login(world.users["other_seller_staff"])
    page = client.get("/programs/my-payouts/").content.decode()
    assert "¥2.50" not in page
    client.force_login(world.users["buyer"])
    assert client.get("/programs/my-payouts/").status_code == 403


def test_county_staff_open_change_and_close_a_station(world, client):
    village = VillageFactory(township__county=world.county)
    client.force_login(world.users["county_admin"])
    url = f"/c/{world.county.slug}/programs/stations/"
    form = {
        "village": village.pk,
        "operator_name": "张站长",
        "address": "村委会一楼",
        "opening_hours": "08:00-18:00",
        "services": ["parcels", "assisted_buying"],
        "latitude": "30.5",
        "longitude": "114.3",
        "active": "on",
    }
    assert client.post(url, form).status_code == 302
    station = Station.objects.get(village=village)
    assert station.active and station.address == "村委会一楼"
    assert station.services == ["assisted_buying", "parcels"]
    assert station.county == world.county and station.opened_on is not None
    form.pop("active")
    client.post(url, form)
    station.refresh_from_db()
    assert not station.active and Station.objects.filter(village=village).count() == 1
    assert [e.action for e in AuditEntry.objects.filter(object_type="stations.station")] == [
        "station.updated",
        "station.created",
    ]
    bad = client.post(url, {**form, "latitude": "95"})
    assert "latitude" in bad.context["form"].errors


def test_coverage_is_the_share_of_villages_with_an_active_station(world, client):
    county = CountyFactory()
    admin = world.users["county_admin"]
    villages = [VillageFactory(township__county=county) for _ in "abcd"]
    # A station moved from the old village flag: no coordinates, opening day unknown.
    StationFactory(village=villages[0], latitude=None, longitude=None, opened_on=None)
    for village, active in ((villages[1], True), (villages[2], False)):
        save_station(
            village=village,
            actor=admin,
            operator_name="站长",
            address="村委会",
            opening_hours="9-17",
            services=["parcels"],
            latitude=Decimal("30"),
            longitude=Decimal("114"),
            active=active,
        )
    assert village_coverage(county) == Decimal("50.0")  # 2 of 4: not yet "more than 50%"
    MembershipFactory(user=admin, county=county, role="county_admin")
    client.force_login(admin)
    page = client.get(f"/c/{county.slug}/programs/stations/").content.decode()
    assert 'class="missed">50.0%' in page


def test_admin_creates_a_program_and_a_budget_line(world, client):
    client.force_login(world.users["county_admin"])
    url = f"/c/{world.county.slug}/programs/budget/"
    response = client.post(
        url,
        {
            "action": "program",
            "name": "省级电商示范县",
            "level": "provincial",
            "designation_year": "2019",
            "central_funds": "5000000",
            "local_matching": "1000000",
        },
    )
    assert response.status_code == 302
    program = world.county.program_set.get()
    assert program.total_funds == Decimal("6000000")
    bad = client.post(
        url, {"action": "line", "program": program.pk, "name": "冷链", "kind": "x", "amount": "1"}
    )
    assert set(bad.context["line_form"].errors) == {"kind"}
    client.post(
        url,
        {
            "action": "line",
            "program": program.pk,
            "name": "冷链",
            "kind": "investment",
            "amount": "9",
        },
    )
    assert program.budget_lines.get().kind == "investment"


def test_targets_are_set_per_year_and_shown_on_the_dashboard(world, client):
    url = f"/c/{world.county.slug}/programs/targets/"
    client.force_login(world.users["analyst"])
    assert client.get(url).status_code == 403
    client.force_login(world.users["county_admin"])
    client.post(url, {"year": "2025", "online_sales": "123456", "village_coverage": "60"})
    dashboard = client.get(f"/c/{world.county.slug}/programs/", {"year": "2025"})
    board = dashboard.context["board"]
    assert board.kpi("online_sales").target == Decimal("123456")
    assert board.kpi("village_coverage").target == Decimal("60")
    client.post(url, {"year": "2025", "online_sales": "123456"})
    board = client.get(f"/c/{world.county.slug}/programs/", {"year": "2025"}).context["board"]
    assert board.kpi("village_coverage").target == Decimal("50")  # back to the default


def test_a_rule_that_paid_out_cannot_be_repriced(world, client, budget):
    paid_january(world, budget)
    rule = IncentiveRule.objects.get()
    client.force_login(world.users["county_admin"])
    url = f"/c/{world.county.slug}/programs/rules/{rule.pk}/"
    form = {
        "name": "改名的物流补贴",
        "kind": rule.kind,
        "budget_line": budget.pk,
        "valid_from": "2025-01-01",
        "amount": "9.99",
        "active": "on",
    }
    response = client.post(url, form)
    assert set(response.context["form"].errors) == {"amount"}
    response = client.post(url, {**form, "amount": "2.50", "valid_until": "2025-01-20"})
    assert set(response.context["form"].errors) == {"valid_until"}
    assert (
        client.post(url, {**form, "amount": "2.50", "valid_until": "2025-03-31"}).status_code == 302
    )
    rule.refresh_from_db()
    assert (rule.name, rule.amount, rule.valid_until) == (
        "改名的物流补贴",
        Decimal("2.50"),
        datetime.date(2025, 3, 31),
    )


def test_evidence_documents_are_for_county_staff_only(
    world, client, budget, second_admin, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users["county_admin"])
    client.post(f"/c/{world.county.slug}/programs/budget/", spending_form(budget))
    spending = Spending.objects.get()
    url = f"/c/{world.county.slug}/programs/evidence/spending/{spending.pk}/"
    page = client.get(f"/c/{world.county.slug}/programs/budget/").content.decode()
    assert url in page
    response = client.get(url)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 invoice"
    for role in ("seller_staff", "other_county_admin", "analyst"):
        client.force_login(world.users[role])
        assert client.get(url).status_code in (403, 404)
    assert client.get(f"/c/{world.county.slug}/programs/evidence/other/1/").status_code == 404


def test_evidence_is_checked_by_content_and_kept_outside_the_web_root(
    world, client, budget, settings, tmp_path
):
    """Seen in review: any file under any name was stored under MEDIA_ROOT, which production's
    web server serves to anyone who guesses the path."""
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(world.users["county_admin"])
    url = f"/c/{world.county.slug}/programs/budget/"
    form = spending_form(budget)
    form["evidence"] = SimpleUploadedFile(
        "invoice.pdf", b"<script>alert(1)</script>", "application/pdf"
    )
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "invoice.pdf" in refused.context["form"].errors["evidence"][0]
    settings.COUNTYHUB_MAX_DOCUMENT_BYTES = 1024
    form["evidence"] = SimpleUploadedFile("big.pdf", b"%PDF-1.4 " + b"x" * 2048, "application/pdf")
    assert client.post(url, form).status_code == 400
    assert not Spending.objects.exists()

    form["evidence"] = SimpleUploadedFile(
        "../../发票 3月.pdf", b"%PDF-1.4 invoice", "application/pdf"
    )
    assert client.post(url, form).status_code == 302
    spending = Spending.objects.get()
    stored = Path(spending.evidence.path)
    assert settings.MEDIA_ROOT not in stored.parents
    assert not (settings.MEDIA_ROOT / spending.evidence.name).exists()
    response = client.get(f"/c/{world.county.slug}/programs/evidence/spending/{spending.pk}/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".." not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    stored.unlink()
