"""`countyhub accounts flows`: the flows table of a county and year, from the platform."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

accounts_app = typer.Typer(
    help="County accounts: the platform's flows for Y = C + I + G + NX.", no_args_is_help=True
)


@accounts_app.command("flows")
def flows(
    county: Annotated[str, typer.Option("--county", help="The county's slug.")],
    year: Annotated[int, typer.Option("--year", help="The calendar year, county time.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the CSV here (default: standard output).")
    ] = None,
    home_code: Annotated[
        str,
        typer.Option(
            "--home-code",
            help="The county's GB/T 2260 code, if its traceability profile has none.",
        ),
    ] = "",
) -> None:
    """Write the flows table (docs/accounts.md) in one streaming pass; fallbacks on stderr."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from countyhub.core.models import County
    from countyhub.impact.flows import FlowsReport, build_flows, write_flows

    found = County.objects.filter(slug=county).first()
    if found is None:
        sys.stderr.write(f"error: no county with the slug {county!r}\n")
        raise typer.Exit(code=2)
    report = FlowsReport()
    rows = build_flows(found, year, report=report, home_code=home_code)
    if out is None:
        write_flows(rows, sys.stdout)
    else:
        with out.open("w", newline="", encoding="utf-8") as handle:
            write_flows(rows, handle)
    for line in report.lines():
        sys.stderr.write(line + "\n")
