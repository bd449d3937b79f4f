"""Real row locks on PostgreSQL: seats are never overbooked, a run is never booked twice."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, connections

from countyhub.catalog.models import SellerHousehold
from countyhub.core.models import Role
from countyhub.programs.errors import InvalidTransitionError
from countyhub.programs.incentives import approve_run, evaluate_period
from countyhub.programs.models import LedgerEntry
from countyhub.training.models import EnrollmentStatus
from countyhub.training.services import enroll_trainee
from tests.conftest import requires_postgres
from tests.factories.catalog import HouseholdFactory, SellerFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory
from tests.factories.programs import BudgetLineFactory, RuleFactory, make_order
from tests.factories.training import SessionFactory

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _together(work, items, threads=12):
    start = threading.Event()

    def run(item):
        try:
            start.wait(timeout=30)
            return work(item)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(threads) as pool:
        futures = pool.map(run, items)
        start.set()
        return list(futures)


def test_concurrent_enrollments_never_overbook_a_session():
    assert connection.vendor == "postgresql"
    session = SessionFactory(capacity=5)
    admin = UserFactory()
    people = [UserFactory() for _ in range(20)]
    statuses = _together(
        lambda user: (
            enroll_trainee(session=session, user=user, full_name="张伟", actor=admin).status
        ),
        people,
    )
    assert statuses.count(EnrollmentStatus.ENROLLED) == 5
    assert statuses.count(EnrollmentStatus.WAITING) == 15
    assert session.enrollments.filter(status=EnrollmentStatus.ENROLLED).count() == 5


def test_a_run_approved_twice_at_once_is_booked_once():
    county = CountyFactory()
    admin = UserFactory()
    MembershipFactory(user=admin, county=county, role=Role.COUNTY_ADMIN)
    seller = SellerFactory(county=county)
    household = HouseholdFactory(county=county, registered_poor=True)
    SellerHousehold.objects.create(seller=seller, household=household, link="employs")
    RuleFactory(budget_line=BudgetLineFactory(program__county=county), amount=Decimal("1.00"))
    make_order(seller, day=datetime.date(2025, 1, 5))
    run = evaluate_period(county=county, period=datetime.date(2025, 1, 1), actor=admin)

    def approve(_attempt):
        try:
            approve_run(run=run, actor=admin)
        except InvalidTransitionError:
            return "refused"
        return "approved"

    outcomes = _together(approve, range(6), threads=6)
    assert sorted(outcomes) == ["approved"] + ["refused"] * 5
    assert LedgerEntry.objects.count() == 1
