"""`run_payouts`: month after month from the command line, with a clear message on bad input."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from countyhub.catalog.models import SellerHousehold
from countyhub.programs.models import LedgerEntry, PayoutRun
from tests.factories.catalog import HouseholdFactory
from tests.factories.programs import BudgetLineFactory, RuleFactory, make_order


def test_run_payouts_evaluates_and_approves_each_month(world):
    budget = BudgetLineFactory(program__county=world.county)
    household = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    RuleFactory(budget_line=budget, amount=Decimal("1.00"))
    for month in (1, 2, 3):
        make_order(world.seller, day=datetime.date(2025, month, 10))
    out = io.StringIO()
    admin = world.users["county_admin"].username
    args = ["--county", world.county.slug, "--from", "2025-01", "--to", "2025-03", "--as", admin]
    call_command("run_payouts", *args, "--approve", stdout=out)
    assert PayoutRun.objects.filter(status="approved").count() == 3
    assert [e.amount for e in LedgerEntry.objects.order_by("fact_period")] == [Decimal("1.00")] * 3
    assert "2025-03 run" in out.getvalue()
    call_command("run_payouts", *args, "--approve", stdout=io.StringIO())
    assert LedgerEntry.objects.count() == 3  # nothing paid twice


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"--from": "2025-1x"}, "--from: give the month as YYYY-MM"),
        ({"--county": "nowhere"}, "--county: no county"),
        ({"--to": "2024-12"}, "--to: the last month is before the first"),
        ({"--as": "seller_staff-user"}, "Only county staff"),
    ],
)
def test_run_payouts_says_what_is_wrong(world, change, message):
    options = {
        "--county": world.county.slug,
        "--from": "2025-01",
        "--to": "2025-02",
        "--as": world.users["county_admin"].username,
    } | change
    args = [part for pair in options.items() for part in pair]
    with pytest.raises(CommandError, match=message):
        call_command("run_payouts", *args, stdout=io.StringIO())


def test_the_countyhub_command_runs_the_payouts_and_names_bad_input(world):
    from typer.testing import CliRunner

    from countyhub.cli import app

    budget = BudgetLineFactory(program__county=world.county)
    household = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    RuleFactory(budget_line=budget, amount=Decimal("1.00"))
    make_order(world.seller, day=datetime.date(2025, 1, 10))
    admin = world.users["county_admin"].username
    args = ["programs", "payouts", "--county", world.county.slug, "--from", "2025-01"]
    ok = CliRunner().invoke(app, [*args, "--to", "2025-01", "--as", admin, "--approve"])
    assert ok.exit_code == 0, ok.output
    assert "2025-01 run" in ok.stdout
    assert PayoutRun.objects.get().status == "approved"
    bad = CliRunner().invoke(app, [*args, "--to", "2024-12", "--as", admin])
    assert bad.exit_code == 2 and "--to: the last month is before the first" in bad.stderr


def test_the_countyhub_command_sends_the_task_digest(world):
    from typer.testing import CliRunner

    from countyhub.cli import app

    result = CliRunner().invoke(app, ["programs", "digest"])
    assert result.exit_code == 0, result.output
    assert "sent 0 digest(s)" in result.stdout
