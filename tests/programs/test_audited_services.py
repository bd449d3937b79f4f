"""The programs services keep their rules whoever calls them (page, admin, code), and audit
what changed, before and after."""

import datetime
from decimal import Decimal

import pytest

from countyhub.core.models import AuditEntry
from countyhub.programs import services
from countyhub.programs.errors import ProgramsError
from countyhub.programs.models import IncentiveRule
from tests.factories.core import UserFactory
from tests.factories.programs import BudgetLineFactory
from tests.programs.test_views import paid_january


@pytest.fixture
def budget(world):
    return BudgetLineFactory(program__county=world.county, amount=Decimal("1000.00"))


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def rule_values(rule, **changes):
    values = {
        "name": rule.name,
        "kind": rule.kind,
        "budget_line": rule.budget_line,
        "valid_from": rule.valid_from,
        "valid_until": rule.valid_until,
        "amount": rule.amount,
    }
    return {**values, **changes}


def admin_rule_form(rule, **changes):
    form = {
        "name": rule.name,
        "kind": rule.kind,
        "budget_line": rule.budget_line_id,
        "valid_from": rule.valid_from.isoformat(),
        "valid_until": "",
        "amount": str(rule.amount),
        "percent": "",
        "threshold": "",
        "cap": "",
        "order_count": "",
        "active": "on",
        "_save": "Save",
    }
    return {**form, **changes}


def test_the_service_refuses_to_reprice_a_rule_that_paid_out(world, budget):
    paid_january(world, budget)
    rule = IncentiveRule.objects.get()
    admin = world.users["county_admin"]
    with pytest.raises(ProgramsError) as refused:
        services.save_incentive_rule(
            actor=admin, county=world.county, rule=rule, **rule_values(rule, amount=Decimal("9"))
        )
    assert refused.value.field == "amount"
    with pytest.raises(ProgramsError) as refused:
        services.save_incentive_rule(
            actor=admin,
            county=world.county,
            rule=rule,
            **rule_values(rule, valid_until=datetime.date(2025, 1, 15)),
        )
    assert refused.value.field == "valid_until"
    rule.refresh_from_db()
    assert rule.amount == Decimal("2.50") and rule.valid_until is None


def test_the_admin_refuses_to_reprice_a_rule_that_paid_out(world, budget, client, superuser):
    paid_january(world, budget)
    rule = IncentiveRule.objects.get()
    client.force_login(superuser)
    url = f"/admin/programs/incentiverule/{rule.pk}/change/"
    response = client.post(url, admin_rule_form(rule, amount="9.99"))
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"amount"}
    response = client.post(url, admin_rule_form(rule, valid_until="2025-01-20"))
    assert set(response.context["adminform"].form.errors) == {"valid_until"}
    rule.refresh_from_db()
    assert rule.amount == Decimal("2.50")
    # Ending it after the paid month, or renaming it, is allowed, and audited before and after.
    response = client.post(
        url, admin_rule_form(rule, name="物流补贴（旧）", valid_until="2025-03-31")
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="incentiverule.changed")
    assert entry.actor == superuser
    assert entry.changes == {
        "name": [rule.name, "物流补贴（旧）"],
        "valid_until": [None, "2025-03-31"],
    }


def test_a_rule_without_payouts_may_be_repriced_and_the_price_is_audited(world, budget):
    admin = world.users["county_admin"]
    rule = services.save_incentive_rule(
        actor=admin,
        county=world.county,
        name="物流补贴",
        kind="logistics_subsidy",
        budget_line=budget,
        valid_from=datetime.date(2025, 1, 1),
        amount=Decimal("2.5"),
    )
    services.save_incentive_rule(
        actor=admin, county=world.county, rule=rule, **rule_values(rule, amount=Decimal("3"))
    )
    created, changed = AuditEntry.objects.filter(object_type="programs.incentiverule").order_by(
        "pk"
    )
    assert created.action == "incentiverule.created"
    assert created.changes["amount"] == [None, "2.50"]
    assert changed.changes == {"amount": ["2.50", "3.00"]}


def test_budget_line_amounts_are_audited_from_the_page(world, budget, client):
    client.force_login(world.users["county_admin"])
    response = client.post(
        f"/c/{world.county.slug}/programs/budget/",
        {
            "action": "line",
            "program": budget.program_id,
            "name": "仓储补贴",
            "kind": "current",
            "amount": "5000",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="budgetline.created")
    assert entry.changes["amount"] == [None, "5000.00"]
    assert entry.actor == world.users["county_admin"]


def test_program_funds_and_budget_lines_change_in_the_admin_through_the_services(
    world, budget, client, superuser
):
    program = budget.program
    client.force_login(superuser)
    url = f"/admin/programs/program/{program.pk}/change/"
    response = client.post(
        url,
        {
            "county": world.county.pk,
            "name": program.name,
            "level": program.level,
            "designation_year": program.designation_year,
            "central_funds": "18000000",
            "local_matching": "0",
            "budget_lines-TOTAL_FORMS": "1",
            "budget_lines-INITIAL_FORMS": "1",
            "budget_lines-0-id": budget.pk,
            "budget_lines-0-program": program.pk,
            "budget_lines-0-name": budget.name,
            "budget_lines-0-kind": budget.kind,
            "budget_lines-0-amount": "1500",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    changes = {e.action: e.changes for e in AuditEntry.objects.all()}
    assert changes["program.changed"] == {"central_funds": ["20000000.00", "18000000.00"]}
    assert changes["budgetline.changed"] == {"amount": ["1000.00", "1500.00"]}
