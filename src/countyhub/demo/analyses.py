"""Demo analyses: a before/after of family income over the survey's two waves, and a PLS-SEM
of the 2022 wave with the study's model, computed here (in this process and transaction) so
the demo opens on stored results."""

from __future__ import annotations

from typing import Any

from countyhub.analyses import services
from countyhub.analyses.models import AnalysisKind, AnalysisRun
from countyhub.core import jobs
from countyhub.core.models import County, JobStatus
from countyhub.surveys.models import Wave
from countyhub.surveys.selectors import questionnaire_constructs

# The study's structural model: participation and services improve livelihoods.
STUDY_PATHS = "IM ~ EC + CB + SV\n"
# Fewer resamples than the set-up's default: the demo is built in about a minute.
DEMO_RESAMPLES = 500
DEMO_SEED = 2022


def _computed(run: AnalysisRun) -> AnalysisRun:
    jobs.execute(run.job_id, heartbeat=False)
    run.refresh_from_db()
    run.job.refresh_from_db()
    if run.job.status != JobStatus.SUCCEEDED:
        raise RuntimeError(f"demo analysis {run} failed: {run.job.error}")
    return run


def build_analyses_demo(county: County, admin: Any) -> str:
    """One before/after run (the two waves, family income) and one PLS-SEM run (2022 wave)."""
    before, after = Wave.objects.filter(survey__county=county).order_by("year")[:2]
    paired = _computed(
        services.start_run(
            county=county,
            actor=admin,
            wave=before,
            wave_after=after,
            kind=AnalysisKind.BEFORE_AFTER,
            options=services.wave_before_after_options(before, after, ["family_income"], None),
            seed=0,
        )
    )
    constructs = questionnaire_constructs(after.questionnaire)
    measurement = "".join(f"{name} =~ {' + '.join(items)}\n" for name, items in constructs.items())
    pls = _computed(
        services.start_run(
            county=county,
            actor=admin,
            wave=after,
            kind=AnalysisKind.PLS_SEM,
            model_syntax=measurement + STUDY_PATHS,
            options={
                "weighting": "path",
                "missing": "listwise",
                "resamples": DEMO_RESAMPLES,
                "p_min": 0.2,
            },
            seed=DEMO_SEED,
        )
    )
    return f"analyses: before/after #{paired.pk}, PLS-SEM #{pls.pk}"
