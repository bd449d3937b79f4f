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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub import __version__
from countyhub.core import jobs
from countyhub.core.audit import record_audit
from countyhub.core.models import County, Job
from countyhub.impact.models import (
    ComparisonGroup,
    EstimationMethod,
    EvaluationLevel,
    EvaluationRun,
    Rollout,
)
from countyhub.impact.panel_forms import covariate_label, covariates_label
from countyhub.impact.panels import (
    COUNTY_OUTCOMES,
    DESIGNATION,
    VILLAGE_OUTCOMES,
    BuiltPanel,
    PanelError,
    analyze_command,
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


def did_model(
    frame: pd.DataFrame,
    *,
    level: str,
    outcome: str,
    control: str,
    covariates: Sequence[str] = (),
    method: str = EstimationMethod.DOUBLY_ROBUST,
) -> StaggeredDiD:
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
        covariates=covariates,
        method=method,  # type: ignore[arg-type]  # one of EstimationMethod, checked
        layout="unbalanced" if county_level else "balanced",
    )


def check_covariates(
    frame: pd.DataFrame, *, unit: str, label: str, chosen: dict[str, tuple[str, ...]]
) -> None:
    """Refuse, naming it, a covariate the DiD cannot condition on: one that changes within a
    unit over time (the estimator takes base-period values, which the treatment may move),
    one the same for every unit (it explains nothing and makes the regressions singular) or
    one missing for some unit (the unit would silently drop out)."""
    for key, columns in chosen.items():
        name = covariate_label(key)
        if not columns:
            raise EvaluationInputError(
                "covariates",
                _("The covariate “%(name)s” is the same for every unit: it cannot be used.")
                % {"name": name},
            )
        for column in columns:
            values = frame[[unit, label, column]]
            missing = values[values[column].isna()]
            if len(missing):
                raise EvaluationInputError(
                    "covariates",
                    _(
                        "The covariate “%(name)s” is missing for %(n)d of %(total)d units "
                        "(e.g. %(example)s): record it or choose another covariate."
                    )
                    % {
                        "name": name,
                        "n": missing[unit].nunique(),
                        "total": values[unit].nunique(),
                        "example": missing[label].iloc[0],
                    },
                )
            spread = values.groupby(unit)[column].nunique()
            if (spread > 1).any():
                moving = spread[spread > 1].index[0]
                example = values.loc[values[unit] == moving, label].iloc[0]
                raise EvaluationInputError(
                    "covariates",
                    _(
                        "The covariate “%(name)s” changes over time within a unit (e.g. "
                        "%(example)s): the DiD needs covariates fixed before treatment "
                        "(time-invariant, or a baseline value)."
                    )
                    % {"name": name, "example": example},
                )
        if all(frame[column].nunique() <= 1 for column in columns):
            raise EvaluationInputError(
                "covariates",
                _("The covariate “%(name)s” is the same for every unit: it cannot be used.")
                % {"name": name},
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
    covariates: Sequence[str] = (),
    method: str = EstimationMethod.DOUBLY_ROBUST,
    seed: int | None = None,
) -> EvaluationRun:
    """Build and check the panel and the covariates, keep the panel, queue the DiD (dispatched
    on commit), audit it. ``covariates`` are the panel's covariates by name (the township is
    one covariate of several indicator columns); the run keeps their columns."""
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
    if method not in EstimationMethod.values:
        raise EvaluationInputError("method", _("Choose the estimation method."))
    if not covariates:
        method = EstimationMethod.DOUBLY_ROBUST  # without covariates every method is the same
    try:
        built = build_panel(county, level=level, rollout=rollout)
    except PanelError as error:
        raise EvaluationInputError("level", str(error)) from error
    foreign = [key for key in covariates if key not in built.covariates]
    if foreign:
        raise EvaluationInputError(
            "covariates",
            _("“%(name)s” is not a covariate of the chosen panel.")
            % {"name": covariate_label(foreign[0])},
        )
    data = built.csv_bytes()
    frame = panel_frame(data.decode(), _source(county, built))
    chosen = {key: built.covariates[key] for key in dict.fromkeys(covariates)}
    check_covariates(frame, unit=built.unit, label=built.label, chosen=chosen)
    columns = [column for group in chosen.values() for column in group]
    try:
        did_model(
            frame,
            level=level,
            outcome=outcome,
            control=control,
            covariates=columns,
            method=method,
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
        covariates=columns,
        method=method,
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
            "covariates": columns,
            "method": method,
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
            covariates=run.covariates,
            method=run.method,
        )
        result = model.fit(seed=run.seed, progress=progress)
    except AnalysisError as error:
        if run.covariates:  # e.g. a cohort with too few units for the covariate regression
            raise jobs.JobError(
                _("%(error)s (covariates: %(covariates)s)")
                % {"error": error, "covariates": covariates_label(run.covariates)}
            ) from error
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


def panel_filename(run: EvaluationRun) -> str:
    return f"panel-{run.county.slug}-{run.level}-{run.rollout}-run{run.pk}.csv"


def run_command(run: EvaluationRun) -> str:
    """The ``countyhub analyze did`` command that repeats the run on its downloaded panel."""
    return analyze_command(
        panel_filename(run),
        level=run.level,
        outcome=run.outcome,
        control=run.control,
        covariates=run.covariates,
        method=run.method,
        seed=run.seed,
    )
