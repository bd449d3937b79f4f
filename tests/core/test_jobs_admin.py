"""The admin's page of background jobs (issue 19): recent failures to hand for the superuser;
hidden from county staff, whose counties' data any job's inputs could hold."""

import pytest

from countyhub.core.models import Job, JobStatus
from tests.factories.core import UserFactory


@pytest.fixture
def failed(db):
    return Job.objects.create(
        kind="analyses.run", status=JobStatus.FAILED, error="Unexpected error: MemoryError"
    )


def test_the_superuser_sees_the_failures(client, failed):
    Job.objects.create(kind="analyses.run", status=JobStatus.SUCCEEDED)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(
        "/admin/core/job/?status__exact=failed", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "MemoryError" in page and "1 background job" in page
    assert client.get(f"/admin/core/job/{failed.pk}/change/").status_code == 200


def test_county_staff_do_not_see_jobs(client, world, failed):
    client.force_login(world.users["county_admin"])
    assert client.get("/admin/core/job/").status_code == 403
    assert "/admin/core/job/" not in client.get("/admin/").content.decode()
