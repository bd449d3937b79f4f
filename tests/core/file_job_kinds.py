"""A job kind of the tests' own that reads an uploaded file and makes one (the shape of an
import and of a label sheet), for tests/core/test_job_files.py in-process and on a worker."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError
from django.utils import translation

from countyhub.core import jobs
from countyhub.core.models import Job

UPPER = "tests.upper"


@jobs.handler(UPPER, label="upper-casing test job")
def upper(job: Job, progress: jobs.Progress) -> jobs.JobFile:
    """The upload in capitals; fails transiently on its first `fail` attempts."""
    with job.input_file.open("rb") as handle:
        lines = handle.read().decode("utf-8").splitlines()
    progress(0, len(lines))
    if job.attempts <= job.inputs.get("fail", 0):
        raise OperationalError("server closed the connection unexpectedly")
    made = "\n".join(line.upper() for line in lines)
    progress(len(lines), len(lines))
    result: dict[str, Any] = {"lines": len(lines), "url": "/jobs/"}
    result["language"] = translation.get_language()  # the page's, not the worker's
    return jobs.JobFile("大写.txt", "text/plain; charset=utf-8", made.encode(), result)
