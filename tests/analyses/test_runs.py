"""Analysis runs through the background worker (a thread here: no REDIS_URL), stored, repeated,
and compared with the engine and the CLI on the same data."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from countyhub.analyses import services
from countyhub.analyses.models import AnalysisKind, AnalysisRun
from countyhub.analyses.runner import JOB_KIND, run_analysis
from countyhub.analyses.sources import UploadedDataset
from countyhub.analysis.plssem import PLSModel
from countyhub.core import jobs
from countyhub.core.models import AuditEntry, JobStatus
from tests.analyses.support import CORP_REP, CORP_REP_MODEL, dataset_input, paired_frame, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PLS_OPTIONS = {"weighting": "path", "missing": "listwise", "resamples": 200, "p_min": 0.2}


@pytest.fixture
def corp_rep(world):
    return services.upload_dataset(
        county=world.county,
        actor=world.users["analyst"],
        upload=dataset_input(CORP_REP.read_bytes()),
    )


def start_pls(world, dataset, seed=7, **options):
    return services.start_run(
        county=world.county,
        actor=world.users["analyst"],
        dataset=dataset,
        kind=AnalysisKind.PLS_SEM,
        model_syntax=CORP_REP_MODEL,
        options={**PLS_OPTIONS, **options},
        seed=seed,
    )


def test_a_pls_sem_run_stores_the_engines_results_pdf_and_report(world, corp_rep):
    run = start_pls(world, corp_rep)
    job = wait_for(run.job)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.done, job.total) == (200, 200)
    run.refresh_from_db()
    frame = UploadedDataset(corp_rep).load().frame
    engine = PLSModel.from_syntax(CORP_REP_MODEL, frame, missing="listwise").fit()
    boot = engine.bootstrap(200, seed=7, n_jobs=2)
    expected = engine.to_dict()
    expected["bootstrap"] = boot.to_dict()
    # Each stamp says when it was computed (to the second); everything else is the engine's.
    run.results["provenance"].pop("created")
    expected["provenance"].pop("created")
    assert run.results == json.loads(json.dumps(expected))
    assert run.data_sha256 == corp_rep.sha256 and run.countyhub_version
    assert run.report_pdf.open("rb").read(5) == b"%PDF-"
    assert "<svg" in run.diagram_svg and "PLS-SEM report" in run.report_html
    assert AuditEntry.objects.filter(action="analyses.run.started", object_id=str(run.pk)).exists()


def test_repeating_a_stored_run_gives_the_same_numbers(world, corp_rep):
    first = start_pls(world, corp_rep, seed=None)
    wait_for(first.job)
    again = services.repeat_run(run=first, actor=world.users["county_admin"])
    assert wait_for(again.job).status == JobStatus.SUCCEEDED
    first.refresh_from_db()
    again.refresh_from_db()
    assert again.repeats == first and again.seed == first.seed
    # The stamp says when each was computed; every number is the same.
    again.results["provenance"].pop("created")
    first.results["provenance"].pop("created")
    assert again.results == first.results
    assert again.results["bootstrap"]["paths"]["COMP -> CUSA"]["ci_low"] is not None


def test_a_changed_file_is_refused_by_its_hash(world, corp_rep):
    run = start_pls(world, corp_rep)
    wait_for(run.job)
    with corp_rep.file.open("wb") as handle:
        handle.write(CORP_REP.read_bytes().replace(b"\n3,", b"\n4,", 1))
    # Refused when asked, before anything is queued.
    with pytest.raises(services.AnalysisInputError, match="SHA-256"):
        services.repeat_run(run=run, actor=world.users["analyst"])
    assert AnalysisRun.objects.count() == 1


class CancelAtFirstChunk:
    """The job's real Progress, but the first report of resamples done asks to cancel the run
    (as a person pressing Cancel would) before the report goes through: no timer to race."""

    def __init__(self, progress: jobs.Progress, run: AnalysisRun, actor) -> None:
        self.progress, self.run, self.actor = progress, run, actor
        self.reports: list[int] = []

    def __call__(self, done: int, total: int) -> None:
        if done > 0 and not self.reports:
            services.cancel_run(run=self.run, actor=self.actor)
        if done > 0:
            self.reports.append(done)
        self.progress(done, total)

    def note(self, message: str) -> None:
        self.progress.note(message)


def test_a_running_pls_sem_is_cancelled_between_bootstrap_chunks(world, corp_rep, monkeypatch):
    hooks: list[CancelAtFirstChunk] = []

    def hooked(job, progress):
        run = AnalysisRun.objects.get(pk=job.inputs["run"])
        hooks.append(CancelAtFirstChunk(progress, run, world.users["analyst"]))
        return run_analysis(job, hooks[-1])

    monkeypatch.setitem(jobs.HANDLERS, JOB_KIND, hooked)
    run = start_pls(world, corp_rep, resamples=10_000)
    job = wait_for(run.job)
    assert job.status == JobStatus.CANCELLED, job.error
    # Stopped at the chunk after the request, not at the end of the bootstrap. An attempt may
    # have been retried (the in-memory SQLite test database refuses a write while the test polls
    # the job: "table is locked", a transient error); the last one is the one that cancelled.
    assert len(hooks) == job.attempts
    hook = hooks[-1]
    assert len(hook.reports) == 1 and hook.reports[0] < 10_000
    assert job.done < 10_000 and job.cancel_requested
    run.refresh_from_db()
    assert run.results == {} and not run.report_pdf
    assert AuditEntry.objects.filter(
        action="analyses.run.cancelled", object_id=str(run.pk)
    ).exists()


def test_model_errors_are_shown_before_anything_is_queued(world, corp_rep):
    with pytest.raises(services.AnalysisInputError) as error:
        services.start_run(
            county=world.county,
            actor=world.users["analyst"],
            dataset=corp_rep,
            kind=AnalysisKind.PLS_SEM,
            model_syntax=CORP_REP_MODEL.replace("comp_3", "comp_9"),
            options=PLS_OPTIONS,
        )
    assert "comp_9" in error.value.message and "line 1" in error.value.message
    assert error.value.field == "model_syntax"
    assert not AnalysisRun.objects.exists()


def test_reverse_items_and_missing_codes_are_applied_before_estimation(world):
    frame = paired_frame()
    data = frame.to_csv(index=False).encode()
    dataset = services.upload_dataset(
        county=world.county,
        actor=world.users["analyst"],
        upload=dataset_input(data, "panel.csv", constructs="", reverse=["skills_2020"]),
    )
    loaded = UploadedDataset(dataset).load().frame
    assert loaded["skills_2022"].isna().sum() == 1  # the -99
    assert (loaded["skills_2020"] == 8 - frame["skills_2020"]).all()  # scale 1..7


def test_before_after_from_the_web_equals_the_cli(world, tmp_path):
    frame = paired_frame()
    path = tmp_path / "panel.csv"
    frame.to_csv(path, index=False)
    dataset = services.upload_dataset(
        county=world.county,
        actor=world.users["analyst"],
        upload=dataset_input(
            path.read_bytes(),
            "panel.csv",
            constructs="",
            money="income_2020: 2020\nincome_2022: 2022",
        ),
    )
    options = {
        "id": "household",
        "pairs": {
            "income": ["income_2020", "income_2022"],
            "skills": ["skills_2020", "skills_2022"],
        },
        "money": ["income"],
        "year_before": 2020,
        "year_after": 2022,
        "base_year": 2020,
        "poverty": "income",
        "poverty_line": "cpi_indexed",
        "cpi": "national_rural",
        "confidence": 0.95,
    }
    run = services.start_run(
        county=world.county,
        actor=world.users["analyst"],
        dataset=dataset,
        kind=AnalysisKind.BEFORE_AFTER,
        options=options,
        seed=0,
    )
    assert wait_for(run.job).status == JobStatus.SUCCEEDED, run.job.error
    out = tmp_path / "cli.json"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "countyhub.cli",
            "analyze",
            "before-after",
            str(path),
            "--id",
            "household",
            "--pair",
            "income=income_2020:income_2022",
            "--pair",
            "skills=skills_2020:skills_2022",
            "--money",
            "income",
            "--year-before",
            "2020",
            "--year-after",
            "2022",
            "--base-year",
            "2020",
            "--poverty",
            "income",
            "--poverty-line",
            "cpi-indexed",
            "--na",
            "-99",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(out.read_text())
    run.refresh_from_db()
    web = run.results
    assert web["meta"].pop("source") == "panel" and expected["meta"].pop("source") == str(path)
    # The command line stamps its run (command, file hash, time); the numbers must be equal.
    expected.pop("provenance", None)
    web.pop("provenance", None)
    assert web == expected
    assert run.report_pdf.open("rb").read(5) == b"%PDF-"
