"""`countyhub accounts flows`: the flows table of a county and year, from the platform."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from countyhub.core.models import County
    from countyhub.impact.flows import FlowsReport

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
    accounts_json: Annotated[
        Path | None,
        typer.Option(
            "--accounts-json",
            help="Also compute the accounts in the same pass and write them as JSON here (the "
            "same document as `countyhub analyze accounts FLOWS --json`); needs --out.",
        ),
    ] = None,
) -> None:
    """Write the flows table (docs/accounts.md) in one streaming pass; fallbacks on stderr.

    With --accounts-json, the same pass also computes the accounts (rules R1-R10) from the typed
    flows, without reading the CSV back."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from countyhub.core.models import County
    from countyhub.impact.flows import FlowsReport, build_flows, write_flows

    found = County.objects.filter(slug=county).first()
    if found is None:
        sys.stderr.write(f"error: no county with the slug {county!r}\n")
        raise typer.Exit(code=2)
    report = FlowsReport()
    if accounts_json is not None:
        if out is None:
            sys.stderr.write("error: --accounts-json needs --out for the flows table\n")
            raise typer.Exit(code=2)
        _flows_and_accounts(found, year, report, home_code, out, accounts_json)
        for line in report.lines():
            sys.stderr.write(line + "\n")
        return
    rows = build_flows(found, year, report=report, home_code=home_code)
    if out is None:
        write_flows(rows, sys.stdout)
    else:
        with out.open("w", newline="", encoding="utf-8") as handle:
            write_flows(rows, handle)
    for line in report.lines():
        sys.stderr.write(line + "\n")


def _flows_and_accounts(
    county: County, year: int, report: FlowsReport, home_code: str, out: Path, accounts_json: Path
) -> None:
    """One pass: each typed flow is written to ``out`` and added to the accounts."""
    import json

    from countyhub.analysis.accounts import CountyAccounts
    from countyhub.impact.flows import typed_flows, written

    with out.open("w", newline="", encoding="utf-8") as handle:
        flows = typed_flows(county, year, report=report, home_code=home_code)
        result = CountyAccounts(written(flows, handle)).fit()
    text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
    accounts_json.write_text(text + "\n", encoding="utf-8")
    typer.echo(f"wrote {accounts_json}")
