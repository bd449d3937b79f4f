"""`countyhub analyze did`: staggered difference-in-differences from a panel file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

CONTROL_HELP = "Comparison units: never (never treated) or notyet (also not yet treated)."


def did(
    data: Annotated[Path, typer.Argument(help="Long panel: CSV, XLSX or Parquet.")],
    unit: Annotated[str, typer.Option("--unit", help="Unit column (county, village...).")],
    time: Annotated[str, typer.Option("--time", help="Period column (e.g. year).")],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column.")],
    treated_from: Annotated[
        str,
        typer.Option("--treated-from", help="First treated period; 0 or empty = never treated."),
    ],
    control: Annotated[str, typer.Option("--control", help=CONTROL_HELP)] = "never",
    covariates: Annotated[
        str, typer.Option("--covariates", help="Comma-separated covariate columns.")
    ] = "",
    drop_incomplete: Annotated[
        bool,
        typer.Option("--drop-incomplete", help="Drop units missing a period (unbalanced panel)."),
    ] = False,
    alpha: Annotated[float, typer.Option("--alpha", help="1 - confidence level.")] = 0.05,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the band's bootstrap.")] = 20210601,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the HTML report here.")
    ] = None,
) -> None:
    """Callaway-Sant'Anna group-time effects, their aggregations and the naive TWFE beside them."""
    from rich.console import Console
    from rich.progress import Progress

    from countyhub.analysis.did import StaggeredDiD
    from countyhub.analysis.errors import AnalysisError
    from countyhub.analysis.tables import read_frame

    err = Console(stderr=True, soft_wrap=True)
    if control not in ("never", "notyet"):
        err.print(f"--control must be 'never' or 'notyet', not {control!r}")
        raise typer.Exit(2)
    names = [c.strip() for c in covariates.split(",") if c.strip()]
    try:
        frame = read_frame(data)
        model = StaggeredDiD(
            frame,
            unit=unit,
            time=time,
            outcome=outcome,
            treated_from=treated_from,
            control=control,  # type: ignore[arg-type]  # checked above
            covariates=names,
            drop_incomplete=drop_incomplete,
        )
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task("group-time effects", total=None)
            result = model.fit(
                alpha=alpha,
                seed=seed,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except AnalysisError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(1) from exc
    for message in (*result.warnings, *result.notes):
        err.print(f"warning: {message}", markup=False, highlight=False)
    typer.echo(result.summary.as_text(), nl=False)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    if report is not None:
        report.write_text(result.to_html(), encoding="utf-8")
