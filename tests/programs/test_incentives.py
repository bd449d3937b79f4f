"""Each rule type on hand-computed cases, and the run/ledger invariants."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from countyhub.catalog.models import SellerHousehold, SellerKind
from countyhub.core.errors import RecordKeptError
from countyhub.programs.errors import InvalidTransitionError, ProgramsError, ProgramsErrorCode
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.models import LedgerEntry, LineKind, RuleKind, RunStatus
from countyhub.shop.models import OrderStatus
from countyhub.training.services import enroll_trainee, record_attendance, revoke_certificate
from tests.factories.catalog import HouseholdFactory, SellerFactory
from tests.factories.core import UserFactory
from tests.factories.programs import BudgetLineFactory, RuleFactory, make_order
from tests.factories.training import SessionFactory

JAN = datetime.date(2025, 1, 1)
FEB = datetime.date(2025, 2, 1)
TODAY = datetime.date(2025, 6, 1)


def d(day: int, month: int = 1) -> datetime.date:
    return datetime.date(2025, month, day)


@pytest.fixture
def admin(world):
    return world.users["county_admin"]


@pytest.fixture
def budget(world):
    return BudgetLineFactory(program__county=world.county, amount=Decimal("1000.00"))


def employ_poor(seller):
    household = HouseholdFactory(county=seller.county, registered_poor=True)
    SellerHousehold.objects.create(
        seller=seller, household=household, link=SellerHousehold.Link.EMPLOYS
    )


def run(county, admin, period=JAN):
    return evaluate_period(county=county, period=period, actor=admin, today=TODAY)


def test_logistics_subsidy_counts_parcels_shipped_out_by_sellers_employing_poor(
    world, admin, budget
):
    employ_poor(world.seller)
    rule = RuleFactory(budget_line=budget, amount=Decimal("2.50"))
    paid = [make_order(world.seller, day=d(day)) for day in (3, 9, 31)]
    make_order(world.seller, day=d(5), station=world.station)  # stays in the county
    make_order(world.seller, day=d(6), address=f"{world.county.name}城关镇 1 号")  # local
    make_order(world.seller, day=d(7), status=OrderStatus.PACKED)  # not shipped yet
    make_order(world.seller, day=d(1, 2))  # next month
    make_order(world.other_seller, day=d(8))  # employs no registered poor household
    line = run(world.county, admin).lines.get()
    assert line.rule == rule
    assert line.seller == world.seller
    assert line.amount == Decimal("7.50")
    assert line.facts["parcels"] == 3
    assert line.facts["order_ids"] == [o.pk for o in paid]
    assert line.facts["order_numbers"] == [o.number for o in paid]


def test_logistics_subsidy_for_a_seller_who_is_a_poor_household(world, admin, budget):
    household_seller = SellerFactory(county=world.county, kind=SellerKind.HOUSEHOLD)
    poor = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(
        seller=household_seller, household=poor, link=SellerHousehold.Link.BUYS_FROM
    )
    RuleFactory(budget_line=budget, amount=Decimal("3.00"))
    make_order(household_seller, day=d(2))
    assert run(world.county, admin).lines.get().amount == Decimal("3.00")


def sales_rule(budget, **kwargs):
    values = {
        "kind": RuleKind.SALES_REWARD,
        "amount": None,
        "percent": Decimal("5"),
        "threshold": Decimal("1000.00"),
        "cap": Decimal("100.00"),
    }
    values.update(kwargs)
    return RuleFactory(budget_line=budget, **values)


def test_sales_reward_threshold_exactly_met_earns_nothing(world, admin, budget):
    sales_rule(budget)
    make_order(world.seller, day=d(2), total="600.00")
    make_order(world.seller, day=d(3), total="400.00")
    assert not run(world.county, admin).lines.exists()


def test_sales_reward_is_a_percentage_above_the_threshold(world, admin, budget):
    sales_rule(budget)
    make_order(world.seller, day=d(2), total="1500.00")
    make_order(world.seller, day=d(3), total="333.33")
    make_order(world.seller, day=d(4), total="9999.00", status=OrderStatus.CANCELLED)
    line = run(world.county, admin).lines.get()
    # (1833.33 - 1000) × 5% = 41.6665 -> 41.67
    assert line.amount == Decimal("41.67")
    assert line.facts["sales"] == "1833.33"
    assert line.facts["orders"] == 2
    assert line.facts["capped"] is False


def test_sales_reward_is_capped_per_seller(world, admin, budget):
    sales_rule(budget)
    make_order(world.seller, day=d(2), total="5000.00")  # (5000-1000)×5% = 200 -> cap 100
    make_order(world.other_seller, day=d(2), total="2000.00")  # 50, under the cap
    lines = {line.seller: line for line in run(world.county, admin).lines.all()}
    assert lines[world.seller].amount == Decimal("100.00")
    assert lines[world.seller].facts["uncapped"] == "200.00"
    assert lines[world.seller].facts["capped"] is True
    assert lines[world.other_seller].amount == Decimal("50.00")


def test_a_rule_expiring_mid_period_counts_only_its_valid_days(world, admin, budget):
    employ_poor(world.seller)
    RuleFactory(budget_line=budget, amount=Decimal("2.00"), valid_until=d(15))
    make_order(world.seller, day=d(15))
    make_order(world.seller, day=d(16))
    make_order(world.seller, day=d(30))
    line = run(world.county, admin).lines.get()
    assert line.facts["parcels"] == 1
    assert line.amount == Decimal("2.00")
    approve_run(run=line.run, actor=admin)
    assert not run(world.county, admin, FEB).lines.exists()


def test_budget_exhausted_mid_run_stops_payouts_and_says_so(world, admin, world_sellers):
    budget = BudgetLineFactory(program__county=world.county, amount=Decimal("12.00"))
    RuleFactory(budget_line=budget, amount=Decimal("5.00"))
    for seller in world_sellers:
        employ_poor(seller)
        make_order(seller, day=d(10))
    payout_run = run(world.county, admin)
    amounts = [line.amount for line in payout_run.lines.order_by("seller_id")]
    assert amounts == [Decimal("5.00"), Decimal("5.00"), Decimal("2.00"), Decimal("0.00")]
    cut = payout_run.lines.order_by("seller_id")[2]
    assert "exhausted" in cut.budget_note
    assert "¥2.00 of ¥5.00" in cut.budget_note
    assert any("exhausted" in note and "2 payout" in note for note in payout_run.notes)
    approve_run(run=payout_run, actor=admin)
    assert sum(e.amount for e in LedgerEntry.objects.all()) == Decimal("12.00")
    # More budget later: the next run pays what waited, once.
    budget.amount = Decimal("100.00")
    budget.save()
    catch_up = run(world.county, admin, FEB)
    assert sorted(line.amount for line in catch_up.lines.all()) == [
        Decimal("3.00"),
        Decimal("5.00"),
    ]


@pytest.fixture
def world_sellers(world):
    return [world.seller, world.other_seller] + [SellerFactory(county=world.county) for _ in "ab"]


def test_a_month_nobody_was_paid_for_is_checked_again_by_the_next_run(world, admin, budget):
    employ_poor(world.seller)
    RuleFactory(budget_line=budget)
    approve_run(run=run(world.county, admin), actor=admin)  # January: nothing shipped yet
    late = make_order(world.seller, day=d(28))  # a January order shipped in February
    line = run(world.county, admin, FEB).lines.get()
    assert (line.fact_period, line.facts["order_ids"]) == (JAN, [late.pk])


def test_rerunning_an_approved_period_pays_nothing_twice(world, admin, budget):
    employ_poor(world.seller)
    RuleFactory(budget_line=budget)
    make_order(world.seller, day=d(2))
    approve_run(run=run(world.county, admin), actor=admin)
    again = run(world.county, admin)
    assert not again.lines.exists()
    approve_run(run=again, actor=admin)
    assert LedgerEntry.objects.count() == 1
    # A late shipment of a January order is paid once, in the next run.
    late = make_order(world.seller, day=d(20))
    line = run(world.county, admin, FEB).lines.get()
    assert (line.fact_period, line.amount, line.already_paid) == (
        JAN,
        Decimal("2.50"),
        Decimal("2.50"),
    )
    assert late.pk in line.facts["order_ids"]


def test_a_cancelled_order_after_payout_is_reversed_in_the_next_run(world, admin, budget):
    employ_poor(world.seller)
    RuleFactory(budget_line=budget)
    keep = make_order(world.seller, day=d(2))
    refunded = make_order(world.seller, day=d(3))
    approve_run(run=run(world.county, admin), actor=admin)
    refunded.status = OrderStatus.REFUNDED
    refunded.save()
    february = run(world.county, admin, FEB)
    reversal = february.lines.get()
    assert reversal.kind == LineKind.REVERSAL
    assert reversal.fact_period == JAN
    assert reversal.amount == Decimal("-2.50")
    assert reversal.facts["order_ids"] == [keep.pk]
    assert reversal.facts["order_ids_no_longer_counted"] == [refunded.pk]
    approve_run(run=february, actor=admin)
    kinds = list(LedgerEntry.objects.order_by("pk").values_list("kind", "amount"))
    assert kinds == [(LineKind.PAYMENT, Decimal("5.00")), (LineKind.REVERSAL, Decimal("-2.50"))]
    assert not run(world.county, admin, FEB).lines.exists()


def test_training_stipend_and_its_reversal_when_revoked(world, admin, budget):
    RuleFactory(budget_line=budget, kind=RuleKind.TRAINING_STIPEND, amount=Decimal("200.00"))
    session = SessionFactory(course__county=world.county, date=d(20))
    trainee = UserFactory()
    enrollment = enroll_trainee(session=session, user=trainee, full_name="张伟", actor=admin)
    # Certified the day after the session (certificates come once its day is over).
    with time_machine.travel(datetime.datetime(2025, 1, 21, 4, tzinfo=datetime.UTC), tick=False):
        [certificate] = record_attendance(session=session, present_ids=[enrollment.pk], actor=admin)
    line = run(world.county, admin).lines.get()
    assert line.amount == Decimal("200.00")
    assert line.facts["certificate"] == certificate.number
    approve_run(run=line.run, actor=admin)
    revoke_certificate(certificate=certificate, actor=admin)
    reversal = run(world.county, admin, FEB).lines.get()
    assert (reversal.kind, reversal.amount) == (LineKind.REVERSAL, Decimal("-200.00"))


def test_startup_grant_once_when_a_new_shop_reaches_n_orders(world, admin, budget):
    budget.amount = Decimal("10000.00")
    budget.save()
    RuleFactory(
        budget_line=budget,
        kind=RuleKind.STARTUP_GRANT,
        amount=Decimal("3000.00"),
        order_count=3,
        valid_from=d(1),
    )
    make_order(world.other_seller, day=datetime.date(2024, 12, 1))  # an old shop
    for day in (5, 6, 7):
        make_order(world.other_seller, day=d(day))
    make_order(world.seller, day=d(10))
    make_order(world.seller, day=d(11), status=OrderStatus.CANCELLED)
    make_order(world.seller, day=d(12))
    assert not run(world.county, admin).lines.exists()  # two valid orders only
    third = make_order(world.seller, day=d(3, 2))
    february = run(world.county, admin, FEB)
    grant = february.lines.get()
    assert (grant.seller, grant.amount, grant.fact_period) == (world.seller, Decimal("3000"), FEB)
    assert grant.facts["order_ids"][-1] == third.pk
    approve_run(run=february, actor=admin)
    make_order(world.seller, day=d(1, 3))
    assert not run(world.county, admin, datetime.date(2025, 3, 1)).lines.exists()


def test_startup_grant_moves_when_a_cancellation_delays_the_nth_order(world, admin, budget):
    budget.amount = Decimal("10000.00")
    budget.save()
    RuleFactory(
        budget_line=budget,
        kind=RuleKind.STARTUP_GRANT,
        amount=Decimal("3000.00"),
        order_count=2,
        valid_from=d(1),
    )
    make_order(world.seller, day=d(5))
    second = make_order(world.seller, day=d(6))
    make_order(world.seller, day=d(2, 2))
    approve_run(run=run(world.county, admin), actor=admin)
    second.status = OrderStatus.CANCELLED
    second.save()
    moved = run(world.county, admin, FEB)
    lines = sorted((line.fact_period, line.amount) for line in moved.lines.all())
    assert lines == [(JAN, Decimal("-3000.00")), (FEB, Decimal("3000.00"))]
    approve_run(run=moved, actor=admin)
    assert sum(e.amount for e in LedgerEntry.objects.all()) == Decimal("3000.00")


def test_only_county_staff_evaluate_and_approve(world, budget):
    RuleFactory(budget_line=budget)
    for role in ("seller_staff", "trainer", "other_county_admin", "analyst"):
        with pytest.raises(ProgramsError):
            run(world.county, world.users[role])
    payout_run = run(world.county, world.users["county_admin"])
    with pytest.raises(ProgramsError):
        approve_run(run=payout_run, actor=world.users["seller_staff"])


def test_approved_runs_are_immutable_and_stale_drafts_refused(world, admin, budget):
    employ_poor(world.seller)
    RuleFactory(budget_line=budget)
    make_order(world.seller, day=d(2))
    approved = approve_run(run=run(world.county, admin), actor=admin)
    assert approved.status == RunStatus.APPROVED
    make_order(world.seller, day=d(9))  # shipped late
    stale = run(world.county, admin, FEB)  # would pay the late January parcel
    approve_run(run=run(world.county, admin), actor=admin)  # ...but January's re-run did
    with pytest.raises(InvalidTransitionError):
        approve_run(run=approved, actor=admin)
    with pytest.raises(ProgramsError, match="evaluate the month again") as caught:
        approve_run(run=stale, actor=admin)
    assert caught.value.code == ProgramsErrorCode.STALE_RUN
    entry = LedgerEntry.objects.first()
    entry.amount = Decimal("999")
    with pytest.raises(ValueError, match="immutable"):
        entry.save()
    with pytest.raises(RecordKeptError):
        entry.delete()


def test_a_month_that_has_not_started_cannot_be_evaluated(world, admin):
    with pytest.raises(ProgramsError) as error:
        evaluate_period(county=world.county, period=d(1, 7), actor=admin, today=TODAY)
    assert error.value.field == "period"
