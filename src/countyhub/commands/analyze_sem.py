"""`countyhub analyze sem`: estimate a PLS path model from a survey table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer


def sem(
    data: Annotated[Path, typer.Argument(help="Survey table: .csv, .xlsx or .parquet.")],
    model: Annotated[
        Path, typer.Option("--model", help="Model file in lavaan-style syntax (=~, <~, ~).")
    ],
    weighting: Annotated[
        str, typer.Option(help="Inner weighting scheme: path, factorial or centroid.")
    ] = "path",
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples (0 = none).")] = 0,
    seed: Annotated[int | None, typer.Option(help="Seed for identical bootstrap runs.")] = None,
    missing: Annotated[str, typer.Option(help="Missing values: listwise or mean.")] = "listwise",
    na: Annotated[
        str | None, typer.Option(help="Extra missing-value marker, e.g. -99 (blank cells always).")
    ] = None,
    max_iter: Annotated[int, typer.Option(help="Iteration limit of the PLS algorithm.")] = 300,
    tol: Annotated[
        float, typer.Option(help="Stop when outer weights change less than this.")
    ] = 1e-7,
    jobs: Annotated[int, typer.Option(help="Threads for the bootstrap.")] = 2,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results as JSON.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write a self-contained HTML report.")] = None,
) -> None:
    """Estimate a PLS-SEM model: paths, R², reliability, HTMT, bootstrap."""
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.plssem import PLSModel

    try:
        text = model.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"{model}: cannot read the model file: {exc.strerror}")
    try:
        pls = PLSModel.from_syntax(text, data, missing=missing, na=na)
        result = pls.fit(scheme=weighting, max_iter=max_iter, tol=tol)
        boot = None
        if bootstrap < 0:
            raise AnalysisError("--bootstrap must be 0 or a positive number of resamples")
        if bootstrap:
            boot = _run_bootstrap(result, bootstrap, seed, jobs)
    except AnalysisError as exc:
        _fail(str(exc))
    if json_out is not None:
        payload = result.to_dict()
        if boot is not None:
            payload["bootstrap"] = boot.to_dict()
        json_out.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    if report is not None:
        report.write_text(result.to_html(boot), encoding="utf-8")
    if json_out is None and report is None:
        sys.stdout.write(result.summary.as_text())
        if boot is not None:
            sys.stdout.write("\n" + boot.summary.as_text())


def _run_bootstrap(result, resamples: int, seed: int | None, jobs: int):  # type: ignore[no-untyped-def]
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("bootstrap"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("bootstrap", total=resamples)
        return result.bootstrap(
            resamples,
            seed=seed,
            n_jobs=jobs,
            progress=lambda done, total: bar.update(task, completed=done),
        )


def _fail(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code=2)
