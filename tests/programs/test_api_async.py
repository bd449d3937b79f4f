"""A payout run through the API in the background (issue 19): with RFC 7240's
``Prefer: respond-async`` the evaluation is the payout page's job, answered 202 with the job's
Location (GET /api/jobs/{id}, its starter's only); without it, 201 and the run as before."""

import pytest
from django.utils import timezone

from countyhub.core import jobs
from countyhub.core.models import Job, Role
from countyhub.programs.api import prefers_async
from countyhub.programs.models import PayoutRun
from tests.factories.core import MembershipFactory, UserFactory

ASYNC = {"Prefer": "respond-async"}


def base(world):
    return f"/api/programs/counties/{world.county.slug}/payout-runs"


def test_with_prefer_the_run_is_a_job_whose_result_is_the_synchronous_run(world, api_as, january):
    api = api_as(world.users["county_admin"])
    queued = api.post(base(world), {"period": "2025-01"}, headers=ASYNC)
    assert queued.status_code == 202, queued.json()
    job_id = queued.json()["id"]
    assert queued["Location"] == f"/api/jobs/{job_id}"
    assert queued["Preference-Applied"] == "respond-async"
    assert queued.json()["status"] == "queued" and not PayoutRun.objects.exists()
    jobs.execute(job_id, heartbeat=False)
    job = api.get(queued["Location"]).json()
    assert (job["kind"], job["status"], job["error"]) == ("programs.payout_run", "succeeded", "")
    assert job["progress"] == {"done": 1, "total": 1} and job["finished_at"] is not None
    assert job["file_url"] is None
    in_background = api.get(f"{base(world)}/{job['result']['run']}").json()
    at_once = api.post(base(world), {"period": "2025-01"})  # replaces the job's draft
    assert at_once.status_code == 201
    assert {**in_background, "id": None} == {**at_once.json(), "id": None}
    assert in_background["total"] == "3.00"
    assert PayoutRun.objects.count() == 1


def test_without_prefer_the_run_is_made_at_once_as_before(world, api_as, january):
    api = api_as(world.users["county_admin"])
    for prefer in ({}, {"Prefer": "return=minimal"}):
        response = api.post(base(world), {"period": "2025-01"}, headers=prefer)
        assert response.status_code == 201 and "Location" not in response
        assert response.json()["total"] == "3.00"
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("header", "wanted"),
    [
        ("respond-async", True),
        ("Respond-Async", True),
        ("respond-async, wait=10", True),
        ("return=representation; x=1, respond-async ; y", True),
        ("wait=10", False),
        ("respond-asynchronously", False),
        ("", False),
    ],
)
def test_prefer_is_read_as_rfc_7240_writes_it(header, wanted):
    assert prefers_async(header) is wanted


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("seller_staff", 403),
        ("analyst", 403),
        ("other_county_admin", 403),
        ("anonymous", 401),
    ],
)
def test_who_may_not_evaluate_queues_nothing(world, api_as, january, role, status):
    response = api_as(world.users[role]).post(base(world), {"period": "2025-01"}, headers=ASYNC)
    assert response.status_code == status
    assert not Job.objects.exists()


def test_a_month_to_come_is_refused_before_anything_is_queued(world, api_as, january):
    next_year = timezone.localdate().year + 1
    response = api_as(world.users["county_admin"]).post(
        base(world), {"period": f"{next_year}-01"}, headers=ASYNC
    )
    assert response.status_code == 400 and "not started" in response.json()["message"]
    assert not Job.objects.exists()


def test_the_job_and_the_run_are_read_by_their_people_only(world, api_as, january):
    queued = api_as(world.users["county_admin"]).post(
        base(world), {"period": "2025-01"}, headers=ASYNC
    )
    jobs.execute(queued.json()["id"], heartbeat=False)
    location = queued["Location"]
    second_admin = UserFactory()
    MembershipFactory(user=second_admin, county=world.county, role=Role.COUNTY_ADMIN)
    for someone in (second_admin, world.users["other_county_admin"], world.users["seller_staff"]):
        assert api_as(someone).get(location).status_code == 404, someone
    assert api_as().get(location).status_code == 401
    superuser = UserFactory(is_superuser=True, is_staff=True)
    assert api_as(superuser).get(location).json()["status"] == "succeeded"
    run = f"{base(world)}/{PayoutRun.objects.get().pk}"
    assert api_as(second_admin).get(run).status_code == 200  # the run is the county's
    assert api_as(world.users["other_county_admin"]).get(run).status_code == 403
    other_county = world.users["other_county_admin"].memberships.get().county
    assert (
        api_as(world.users["other_county_admin"])
        .get(f"/api/programs/counties/{other_county.slug}/payout-runs/{PayoutRun.objects.get().pk}")
        .status_code
        == 404
    )
    assert api_as(world.users["county_admin"]).get("/api/jobs/999999").status_code == 404
