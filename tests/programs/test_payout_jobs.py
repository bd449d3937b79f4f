"""The month's payout run is a background job (issue 19): queued by the page, run in the web
process without Redis or by a Celery worker with it, idempotent, refused at once when it
would be refused anyway, and its page is its user's only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from countyhub.catalog.models import SellerHousehold
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, Job, JobStatus
from countyhub.core.periodic import monthly, run_due
from countyhub.programs.errors import ProgramsError
from countyhub.programs.models import PayoutRun
from countyhub.programs.payout_jobs import JOB_KIND, start_evaluation
from tests.conftest import requires_postgres
from tests.factories.catalog import HouseholdFactory
from tests.factories.core import CountyFactory
from tests.factories.programs import BudgetLineFactory, RuleFactory, make_order
from tests.job_worker import celery_worker, finished

JANUARY = datetime.date(2025, 1, 1)


@pytest.fixture
def world_with_a_january_sale(world):
    """One January order of a seller employing a registered-poor household, a rule of 2.50 on
    a budget line of 1,000.00 (programs/conftest.py's `january` has two orders and 3.00)."""
    budget = BudgetLineFactory(program__county=world.county, amount=Decimal("1000.00"))
    household = HouseholdFactory(county=world.county, registered_poor=True)
    SellerHousehold.objects.create(seller=world.seller, household=household, link="employs")
    RuleFactory(budget_line=budget, amount=Decimal("2.50"))
    make_order(world.seller, day=datetime.date(2025, 1, 5))
    return world


def test_the_job_evaluates_the_month_and_again_gives_one_run(world_with_a_january_sale):
    admin = world_with_a_january_sale.users["county_admin"]
    first = start_evaluation(county=world_with_a_january_sale.county, period=JANUARY, actor=admin)
    assert AuditEntry.objects.filter(action="payout_run.requested").count() == 1
    jobs.execute(first.pk, heartbeat=False)
    second = start_evaluation(county=world_with_a_january_sale.county, period=JANUARY, actor=admin)
    jobs.execute(second.pk, heartbeat=False)
    for job in (first, second):
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
    run = PayoutRun.objects.get()  # the draft of the first was replaced
    assert second.result["run"] == run.pk and run.total == Decimal("2.50")


def test_what_the_job_would_refuse_is_refused_before_it_is_queued(world_with_a_january_sale):
    with pytest.raises(ProgramsError, match="not started"):
        start_evaluation(
            county=world_with_a_january_sale.county,
            period=timezone.localdate() + datetime.timedelta(days=40),
            actor=world_with_a_january_sale.users["county_admin"],
        )
    with pytest.raises(ProgramsError):
        start_evaluation(
            county=world_with_a_january_sale.county,
            period=JANUARY,
            actor=world_with_a_january_sale.users["seller_staff"],
        )
    assert not Job.objects.filter(kind=JOB_KIND).exists()


def test_the_job_fails_readably_when_the_rights_are_gone(world_with_a_january_sale):
    admin = world_with_a_january_sale.users["county_admin"]
    job = start_evaluation(county=world_with_a_january_sale.county, period=JANUARY, actor=admin)
    admin.memberships.all().delete()
    jobs.execute(job.pk, heartbeat=False)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "county staff" in job.error
    assert not PayoutRun.objects.exists()


def test_another_countys_administrator_cannot_see_the_job(world_with_a_january_sale, client):
    job = start_evaluation(
        county=world_with_a_january_sale.county,
        period=JANUARY,
        actor=world_with_a_january_sale.users["county_admin"],
    )
    client.force_login(world_with_a_january_sale.users["other_county_admin"])
    assert client.get(reverse("job", args=[job.pk])).status_code == 404
    client.force_login(world_with_a_january_sale.users["county_admin"])
    assert client.get(reverse("job", args=[job.pk])).status_code == 200


@requires_postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_runs_the_payout_job(world_with_a_january_sale, settings, tmp_path):
    with celery_worker(settings, tmp_path) as log:
        job = start_evaluation(
            county=world_with_a_january_sale.county,
            period=JANUARY,
            actor=world_with_a_january_sale.users["county_admin"],
        )
        job = finished(job, log)
    assert job.status == JobStatus.SUCCEEDED, (job.error, log.read_text())
    assert PayoutRun.objects.get().total == Decimal("2.50")


def test_the_monthly_period_is_due_from_its_day_and_hour_in_the_sites_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    due = monthly(1, 6)
    utc = datetime.UTC
    assert due(datetime.datetime(2025, 1, 31, 21, 59, tzinfo=utc)) is None  # 05:59 on the 1st
    assert due(datetime.datetime(2025, 1, 31, 22, 0, tzinfo=utc)) == "2025-02"
    assert due(datetime.datetime(2025, 2, 20, 0, 0, tzinfo=utc)) == "2025-02"


def test_last_months_drafts_are_made_once_for_counties_with_rules(
    world_with_a_january_sale, settings
):
    settings.TIME_ZONE = "Asia/Shanghai"
    idle = CountyFactory()  # no rule: nothing to draft
    evaluated = BudgetLineFactory(amount=Decimal("10.00"))
    RuleFactory(budget_line=evaluated, amount=Decimal("1.00"))
    staff_run = PayoutRun.objects.create(
        county=evaluated.program.county,
        period_start=JANUARY,
        period_end=datetime.date(2025, 1, 31),
    )
    first_of_february = datetime.datetime(2025, 1, 31, 22, 30, tzinfo=datetime.UTC)
    with time_machine.travel(first_of_february, tick=False):
        done = run_due()
        again = run_due()
    assert ("programs.payout_drafts", "2025-02") in [(name, key) for name, key, _ in done]
    assert "programs.payout_drafts" not in [name for name, _, _ in again]
    drafted = PayoutRun.objects.exclude(pk=staff_run.pk).get()
    assert drafted.county == world_with_a_january_sale.county and drafted.period_start == JANUARY
    assert drafted.status == "draft" and drafted.evaluated_by is None
    assert drafted.total == Decimal("2.50")
    assert not PayoutRun.objects.filter(county=idle).exists()
    entry = AuditEntry.objects.get(action="payout_run.evaluated", object_id=str(drafted.pk))
    assert entry.actor is None
