"""Program evaluation runs: a staggered DiD on one of the platform's panels, in the background.

``start_evaluation`` (the service) builds the panel now, checks that the engine accepts it, keeps
it with its hash and queues the job; ``run_evaluation`` (the job handler) fits the engine on the
kept panel and stores what the engine returns: its ``to_dict()`` JSON, the event-study SVG and
the standalone HTML report. The statistics are all countyhub.analysis.did's.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub import __version__
from countyhub.core import jobs
from countyhub.core.audit import record_audit
from countyhub.core.models import County, Job
from countyhub.impact.models import ComparisonGroup, EvaluationLevel, EvaluationRun, Rollout
from countyhub.impact.panels import (
    COUNTY_OUTCOMES,
    DESIGNATION,
    VILLAGE_OUTCOMES,
    BuiltPanel,
    PanelError,
    build_panel,
)

if TYPE_CHECKING:
    import pandas as pd

    from countyhub.analysis.did import StaggeredDiD

JOB_KIND = "impact.did"


@dataclass
class EvaluationInputError(Exception):
    """A choice the engine or the panel refuses; ``field`` names the form field."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def outcomes_of(level: str) -> tuple[str, ...]:
    return COUNTY_OUTCOMES if level == EvaluationLevel.COUNTY else VILLAGE_OUTCOMES


def panel_frame(text: str, source: str) -> pd.DataFrame:
    """The kept panel as the engine reads a CSV (blank cells missing, nothing else)."""
    import pandas as pd

    frame = pd.read_csv(io.StringIO(text), na_values=[""], keep_default_na=False)
    frame.attrs["source"] = source
    return frame


def did_model(frame: pd.DataFrame, *, level: str, outcome: str, control: str) -> StaggeredDiD:
    """The engine bound to a panel (checked, not fitted)."""
    from countyhub.analysis.did import StaggeredDiD

    county_level = level == EvaluationLevel.COUNTY
    return StaggeredDiD(
        frame,
        unit="county_id" if county_level else "village_id",
        time="year",
        outcome=outcome,
        treated_from="treated_from",
        control=control,  # type: ignore[arg-type]  # one of ComparisonGroup, checked
        layout="unbalanced" if county_level else "balanced",
    )


def _source(county: County, built: BuiltPanel) -> str:
    return f"{county.slug} {built.level} panel {built.years[0]}-{built.years[1]}"


@transaction.atomic
def start_evaluation(
    *,
    county: County,
    actor: Any,
    level: str,
    rollout: str,
    outcome: str,
    control: str,
    seed: int | None = None,
) -> EvaluationRun:
    """Build and check the panel, keep it, queue the DiD (dispatched on commit), audit it."""
    from countyhub.analysis.errors import AnalysisError

    if level not in EvaluationLevel.values:
        raise EvaluationInputError("level", _("Choose villages or counties."))
    if level == EvaluationLevel.COUNTY:
        rollout = DESIGNATION
    elif rollout not in Rollout.values or rollout == DESIGNATION:
        raise EvaluationInputError(
            "rollout", _("A village rollout is a station, a training or a seller.")
        )
    if outcome not in outcomes_of(level):
        raise EvaluationInputError("outcome", _("This outcome is not in the chosen panel."))
    if control not in ComparisonGroup.values:
        raise EvaluationInputError("control", _("Choose the comparison group."))
    try:
        built = build_panel(county, level=level, rollout=rollout)
    except PanelError as error:
        raise EvaluationInputError("level", str(error)) from error
    data = built.csv_bytes()
    try:
        did_model(
            panel_frame(data.decode(), _source(county, built)),
            level=level,
            outcome=outcome,
            control=control,
        )
    except AnalysisError as error:
        raise EvaluationInputError("", str(error)) from error  # the engine's own words
    job = jobs.submit(JOB_KIND, inputs={}, created_by=actor, county=county)
    run = EvaluationRun.objects.create(
        county=county,
        level=level,
        rollout=rollout,
        outcome=outcome,
        control=control,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        panel_csv=data.decode(),
        panel_notes=built.notes,
        data_sha256=hashlib.sha256(data).hexdigest(),
        countyhub_version=__version__,
        job=job,
        created_by=actor,
    )
    job.inputs = {"evaluation_run": run.pk}
    job.save(update_fields=["inputs"])
    record_audit(
        actor=actor,
        action="impact.evaluation.started",
        target=run,
        county=county,
        changes={
            "level": level,
            "rollout": rollout,
            "outcome": outcome,
            "control": control,
            "sha256": run.data_sha256,
            "seed": run.seed,
        },
    )
    return run


def _json_safe(value: Any) -> Any:
    """NaN and infinities become null: PostgreSQL's jsonb has no NaN."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


@jobs.handler(JOB_KIND, label=gettext_lazy("Program evaluation (DiD)"))
def run_evaluation(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    from countyhub.analysis.errors import AnalysisError

    run = EvaluationRun.objects.select_related("county").get(pk=job.inputs["evaluation_run"])
    if hashlib.sha256(run.panel_csv.encode()).hexdigest() != run.data_sha256:
        raise jobs.JobError(_("The data are not those this run was made on (SHA-256 differs)."))
    progress.note(_("Estimating"))
    source = f"{run.county.slug} {run.level} panel"
    try:
        model = did_model(
            panel_frame(run.panel_csv, source),
            level=run.level,
            outcome=run.outcome,
            control=run.control,
        )
        result = model.fit(seed=run.seed, progress=progress)
    except AnalysisError as error:
        raise jobs.JobError(str(error)) from error
    progress.note(_("Writing the report"))
    result = result.stamped(data_sha256=run.data_sha256)
    figure = re.search(r"<svg.*</svg>", result.event_study_figure(), re.DOTALL)
    with transaction.atomic():
        run.results = _json_safe(result.to_dict())
        run.figure_svg = figure.group(0) if figure else ""
        run.report_html = result.to_html()
        run.save(update_fields=["results", "figure_svg", "report_html", "updated_at"])
    return {"evaluation_run": run.pk}
