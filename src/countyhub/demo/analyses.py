"""Demo analyses: a before/after of family income over the survey's two waves, a PLS-SEM of the
2022 wave with the study's model, the program evaluation of the province's counties and the
village evaluation of 白河县 (demo.rollout), computed here (in this process and transaction) so
the demo, and its annual report, open on stored results."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

from countyhub.analyses import services
from countyhub.analyses.models import AnalysisKind, AnalysisRun, CPIDefinition
from countyhub.analysis.deflate import national_rural_cpi
from countyhub.core import jobs
from countyhub.core.models import County, JobStatus
from countyhub.demo import data
from countyhub.demo.rollout import rollout_county
from countyhub.impact.models import (
    ComparisonGroup,
    EvaluationLevel,
    EvaluationRun,
    Indicator,
    Rollout,
)
from countyhub.impact.panel_runs import start_evaluation
from countyhub.impact.panels import DESIGNATION
from countyhub.surveys.models import Wave
from countyhub.surveys.selectors import questionnaire_constructs

Run = TypeVar("Run", AnalysisRun, EvaluationRun)
# The study's structural model: participation and services improve livelihoods.
STUDY_PATHS = "IM ~ EC + CB + SV\n"
# Fewer resamples than the set-up's default: the demo is built in about a minute.
DEMO_RESAMPLES = 500
DEMO_SEED = 2022


def _computed(run: Run) -> Run:
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


def build_evaluation_demo(county: County, admin: Any) -> str:
    """The staggered DiD of the province's counties (demo.province): rural disposable income,
    treated from the national designation, against the never-designated counties."""
    run = _computed(
        start_evaluation(
            county=county,
            actor=admin,
            level=EvaluationLevel.COUNTY,
            rollout=DESIGNATION,
            outcome=Indicator.RURAL_DISPOSABLE_INCOME,
            control=ComparisonGroup.NEVER,
            seed=DEMO_SEED,
        )
    )
    return f"program evaluation #{run.pk}"


def build_village_evaluation_demo(county: County, admin: Any) -> str:
    """The staggered DiD of the village panel (demo.rollout): the sales of the villages of
    白河县, treated from the opening of their station, as the evaluation page runs it by default
    (not-yet-treated villages as the comparison, no covariates)."""
    target = rollout_county(county)
    if target is None:
        raise RuntimeError(f"the demo province has no county {data.ROLLOUT_COUNTY!r}")
    run = _computed(
        start_evaluation(
            county=target,
            actor=admin,
            level=EvaluationLevel.VILLAGE,
            rollout=Rollout.STATION,
            outcome="platform_sales",
            control=ComparisonGroup.NOT_YET,
            seed=DEMO_SEED,
        )
    )
    return f"village evaluation #{run.pk}"


# The county's CPI after the shipped national rural table ends (previous year = 100): simulated.
DEMO_CPI_AFTER_NATIONAL = {2024: "100.1", 2025: "100.3", 2026: "100.8"}


def build_county_cpi(county: County, admin: Any) -> str:
    """The county's own CPI table, as its statistics bureau would enter it: the national rural
    values while they are published, simulated ones after, so the income figures and the
    CPI-indexed poverty line reach the demo's latest year (the source says so)."""
    shipped = national_rural_cpi()
    published = _previous_year_values(shipped)
    values = published | {y: v for y, v in DEMO_CPI_AFTER_NATIONAL.items() if y not in published}
    series = services.save_cpi_series(
        county=county,
        actor=admin,
        entry=services.CPIInput(
            name="青山县农村居民消费价格指数",
            definition=CPIDefinition.PREVIOUS_YEAR,
            base="上年=100",
            source=(
                f"演示数据：{min(published)}-{max(published)} 年取全国农村 CPI，"
                f"其后为模拟值（非官方）"
            ),
            values_text="\n".join(f"{year}: {value}" for year, value in sorted(values.items())),
        ),
    )
    return f"county CPI table #{series.pk}"


def _previous_year_values(table: Any) -> dict[int, str]:
    """The shipped table's previous-year = 100 values, back from its chained levels."""
    years = sorted(table.levels)
    return {
        later: f"{100 * table.levels[later] / table.levels[earlier]:.1f}"
        for earlier, later in itertools.pairwise(years)
    }
