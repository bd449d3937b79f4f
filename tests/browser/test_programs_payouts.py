"""An administrator creates a rule, runs a month, approves it and downloads the export."""

import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest

from countyhub.catalog.models import SellerHousehold
from countyhub.programs.models import IncentiveRule, LedgerEntry, RunStatus
from tests.browser.programs_support import log_in, page  # noqa: F401  (fixture)
from tests.factories.catalog import HouseholdFactory
from tests.factories.programs import BudgetLineFactory, make_order

pytestmark = pytest.mark.browser


def localhost(live_server):
    return live_server.url.replace("127.0.0.1", "localhost")


def test_admin_creates_a_rule_runs_a_month_approves_and_exports(world, live_server, page):  # noqa: F811
    budget = BudgetLineFactory(
        program__county=world.county, name="物流配送与村级服务站点", amount=Decimal("500.00")
    )
    household = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    orders = [make_order(world.seller, day=datetime.date(2025, 1, day)) for day in (4, 18)]
    base = localhost(live_server)
    log_in(page, base, world.users["county_admin"].username)

    page.goto(f"{base}/c/{world.county.slug}/programs/rules/")
    page.fill("#id_name", "贫困户物流补贴")
    page.select_option("#id_kind", "logistics_subsidy")
    page.select_option("#id_budget_line", str(budget.pk))
    page.fill("#id_valid_from", "2025-01-01")
    page.fill("#id_amount", "1.50")
    page.click("#rule-form button")
    page.wait_for_load_state()
    assert page.locator("#rules").inner_text().count("贫困户物流补贴") == 1
    assert IncentiveRule.objects.get().amount == Decimal("1.50")

    page.goto(f"{base}/c/{world.county.slug}/programs/payouts/")
    page.fill("#id_period", "2025-01")
    page.click("#evaluate-form button")
    page.wait_for_selector("#run-lines")
    lines = page.locator("#run-lines").inner_text()
    assert "2 × ¥1.50 = ¥3.00" in lines
    assert all(order.number in lines for order in orders)

    page.click("#approve-run")
    page.wait_for_load_state()
    assert page.locator("#run-status").inner_text() == "approved"
    assert LedgerEntry.objects.get().amount == Decimal("3.00")
    assert world.county.payoutrun_set.get().status == RunStatus.APPROVED

    with page.expect_download() as download_info:
        page.click("#export-csv")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["payee"], row["amount"], row["status"]) for row in rows] == [
        (world.seller.name, "3.00", "approved")
    ]
    with page.expect_download() as xlsx_info:
        page.click("#export-xlsx")
    assert xlsx_info.value.suggested_filename.endswith(".xlsx")
