"""A month's payout run evaluated in the background (issue 19): every active rule against the
month's sales and trainings can take minutes for a county with many sellers, so the page queues
it and shows its progress; the job leads to the run's page when it is done."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from countyhub.core import jobs
from countyhub.core.models import County, Job
from countyhub.programs import incentives
from countyhub.programs.errors import ProgramsError

JOB_KIND = "programs.payout_run"


@transaction.atomic
def start_evaluation(*, county: County, period: datetime.date, actor: Any) -> Job:
    """Queue the evaluation of `period`'s month; refuses at once what the job would refuse."""
    incentives.check_evaluation(county=county, period=period, actor=actor)
    return jobs.submit_audited(
        JOB_KIND,
        inputs={"period": period.isoformat()},
        actor=actor,
        county=county,
        action="payout_run.requested",
        changes={"period": period.isoformat()},
    )


@jobs.handler(JOB_KIND, label=gettext_lazy("Payout run"))
def evaluate(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    if job.county is None or job.created_by is None:
        raise jobs.JobError(gettext("The county or the person who asked is gone."))
    progress(0, 1)
    try:
        run = incentives.evaluate_period(
            county=job.county,
            period=datetime.date.fromisoformat(job.inputs["period"]),
            actor=job.created_by,
        )
    except ProgramsError as error:  # the rights or the month changed since it was queued
        raise jobs.JobError(str(error.message)) from error
    progress(1, 1)
    return {
        "run": run.pk,
        "lines": run.lines.count(),
        "url": reverse("programs:run", args=[job.county.slug, run.pk]),
    }
