"""The background job of an analysis run: load the data, run the engine, store the results.

The engine (countyhub.analysis) does all the statistics; this module only binds a stored run's
inputs to it, passes the job's progress callback into the bootstrap (which also lets a cancel
stop it between chunks), and stores what the engine returns: its ``to_dict()`` JSON, its HTML
report, the path diagram, and a PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from countyhub.analyses.cpi import cpi_table
from countyhub.analyses.models import AnalysisKind, AnalysisRun
from countyhub.analyses.pdf import run_pdf
from countyhub.analyses.sources import DatasetError, SourceData, source_of
from countyhub.core import jobs
from countyhub.core.models import Job
from countyhub.core.routers import replica_reads

if TYPE_CHECKING:
    from countyhub.analysis.paired import BeforeAfter

JOB_KIND = "analyses.run"
# Threads of one bootstrap; the machine's cores, as the CLI's default.
BOOTSTRAP_THREADS = 2


@dataclass(frozen=True)
class Outcome:
    results: dict[str, Any]
    html: str
    diagram_svg: str


def compute(
    kind: str,
    data: SourceData,
    *,
    model_syntax: str,
    options: dict[str, Any],
    seed: int,
    progress: jobs.Progress | None = None,
) -> Outcome:
    """Run the engine on cleaned data; AnalysisError becomes a JobError the user reads."""
    from countyhub.analysis.errors import AnalysisError

    try:
        if kind == AnalysisKind.PLS_SEM:
            return _pls_sem(data, model_syntax, options, seed, progress)
        return _before_after(data, options)
    except AnalysisError as error:
        raise jobs.JobError(str(error)) from error


def _pls_sem(
    data: SourceData,
    model_syntax: str,
    options: dict[str, Any],
    seed: int,
    progress: jobs.Progress | None,
) -> Outcome:
    from countyhub.analysis.plssem import PLSModel
    from countyhub.analysis.plssem.report import path_diagram_svg

    model = PLSModel.from_syntax(model_syntax, data.frame, missing=options["missing"])
    result = model.fit(scheme=options["weighting"])
    resamples = int(options["resamples"])
    if progress is not None:
        progress(0, resamples)
    boot = result.bootstrap(resamples, seed=seed, n_jobs=BOOTSTRAP_THREADS, progress=progress)
    results = result.to_dict()
    results["bootstrap"] = boot.to_dict()
    diagram = path_diagram_svg(
        result.structure, result.path_matrix, result.r_squared_values, boot.path_pvalues()
    )
    svg = re.search(r"<svg.*</svg>", diagram, re.DOTALL)
    return Outcome(results, result.to_html(boot), svg.group(0) if svg else "")


def before_after_model(data: SourceData, options: dict[str, Any]) -> BeforeAfter:
    """The engine's before/after comparison bound to the options (checked, not yet fitted)."""
    from countyhub.analysis.paired import BeforeAfter

    return BeforeAfter(
        data.frame,
        id=options["id"],
        pairs={name: (pair[0], pair[1]) for name, pair in options["pairs"].items()},
        money=options.get("money") or (),
        year_before=options.get("year_before"),
        year_after=options.get("year_after"),
        base_year=options.get("base_year"),
        # The county's own CPI table when the run names it; the shipped national rural CPI
        # otherwise (the engine's default, as the CLI without --cpi).
        cpi=cpi_table(options),
        poverty=options.get("poverty") or None,
        poverty_line=options.get("poverty_line") or "official",
    )


def _before_after(data: SourceData, options: dict[str, Any]) -> Outcome:
    results = before_after_model(data, options).fit(
        confidence=float(options.get("confidence", 0.95))
    )
    return Outcome(results.to_dict(), results.to_html(), "")


@jobs.handler(JOB_KIND, label=gettext_lazy("Analysis run"))
def run_analysis(job: Job, progress: jobs.Progress) -> dict[str, Any]:
    run = AnalysisRun.objects.select_related(
        "dataset", "county", "wave__questionnaire", "wave__survey", "wave_after__questionnaire"
    ).get(pk=job.inputs["run"])
    progress.note(_("Reading the data"))
    try:
        # The run's inputs were committed before its job was queued: an up-to-date replica
        # (see core.routers) has them.
        data = replica_reads(source_of(run).load)()
    except DatasetError as error:
        raise jobs.JobError(str(error)) from error
    if data.sha256 != run.data_sha256:
        raise jobs.JobError(_("The data are not those this run was made on (SHA-256 differs)."))
    progress.note(_("Estimating"))
    outcome = compute(
        run.kind,
        data,
        model_syntax=run.model_syntax,
        options=run.options,
        seed=run.seed,
        progress=progress,
    )
    progress.note(_("Writing the report"))
    pdf = run_pdf(run, outcome.results)
    # The report has one name per run: an attempt that wrote it and then failed (or a retry
    # of a finished run) leaves the same one file, not a second under a made-up name.
    name = run.report_pdf.field.generate_filename(run, f"run-{run.pk}.pdf")
    run.report_pdf.storage.delete(name)
    with transaction.atomic():
        run.results = outcome.results
        run.report_html = outcome.html
        run.diagram_svg = outcome.diagram_svg
        run.report_pdf.save(f"run-{run.pk}.pdf", ContentFile(pdf), save=False)
        run.save(
            update_fields=["results", "report_html", "diagram_svg", "report_pdf", "updated_at"]
        )
    return {"run": run.pk}
