"""GET /api/jobs/{id} and its file (issue 19): the job an API call answered 202 for, followed
with a bearer token by its starter only, and the file it made downloaded the same way."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from countyhub.core import jobs
from tests.api.conftest import ApiClient
from tests.core.file_job_kinds import UPPER
from tests.factories.core import UserFactory


@pytest.mark.django_db
def test_the_starter_follows_the_job_and_downloads_its_file(client):
    user = UserFactory()
    upload = SimpleUploadedFile("名单.csv", "abc\n鸡蛋 egg\n".encode(), "text/csv")
    job = jobs.submit(UPPER, inputs={}, created_by=user, input_file=upload)
    mine, other = ApiClient(client, user), ApiClient(client, UserFactory())
    queued = mine.get(f"/api/jobs/{job.pk}").json()
    assert (queued["status"], queued["file_url"], queued["finished_at"]) == ("queued", None, None)
    assert mine.get(f"/api/jobs/{job.pk}/file").status_code == 404  # nothing made yet
    jobs.execute(job.pk, heartbeat=False)
    done = mine.get(f"/api/jobs/{job.pk}").json()
    assert (done["kind"], done["status"], done["error"]) == (UPPER, "succeeded", "")
    assert done["progress"] == {"done": 2, "total": 2} and done["result"]["lines"] == 2
    assert done["file_url"] == f"/api/jobs/{job.pk}/file"
    response = mine.get(done["file_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == "ABC\n鸡蛋 EGG"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    for url in (f"/api/jobs/{job.pk}", done["file_url"]):
        assert other.get(url).status_code == 404
        assert ApiClient(client).get(url).status_code == 401
