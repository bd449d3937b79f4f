"""`countyhub analyze accounts`: the platform's part in Y = C + I + G + NX from a flows table."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer


def accounts(
    flows: Annotated[Path, typer.Argument(help="Flows table (CSV; columns in docs/accounts.md).")],
    county: Annotated[
        str, typer.Option("--county", help="The county the flows are about, for the outputs.")
    ] = "",
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the results as JSON here.")
    ] = None,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write a self-contained HTML report here.")
    ] = None,
) -> None:
    """C, I, G, X (domestic, foreign), M, NX and Y by rules R1-R10, with the memo lines."""
    from countyhub.analysis.accounts import CountyAccounts, read_flows
    from countyhub.analysis.errors import AnalysisError

    try:
        result = CountyAccounts(read_flows(flows), county=county).fit()
        if json_out is not None:
            text = json.dumps(result.to_dict(), indent=2, ensure_ascii=False)
            json_out.write_text(text + "\n", encoding="utf-8")
        if report is not None:
            report.write_text(result.to_html(), encoding="utf-8")
    except (AnalysisError, OSError) as exc:
        _fail(str(exc))
    if json_out is None and report is None:
        sys.stdout.write(result.summary.as_text())
    for path in (json_out, report):
        if path is not None:
            typer.echo(f"wrote {path}")


def _fail(message: str) -> NoReturn:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code=2)
