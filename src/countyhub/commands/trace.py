"""`countyhub trace ...`: GS1 identifiers from the command line (Digital Link URIs, GTINs)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

trace_app = typer.Typer(
    help="Traceability identifiers: parse GS1 Digital Link URIs, check GTINs.",
    no_args_is_help=True,
)


@trace_app.command("parse")
def parse(
    uri: Annotated[
        str,
        typer.Argument(
            help="A GS1 Digital Link URI, e.g. https://id.gs1.org/01/09520123456788/10/ABC1"
        ),
    ],
) -> None:
    """Print the parsed Digital Link as JSON; exit 1 naming the bad part."""
    from countyhub.gs1.digital_link import parse as parse_digital_link
    from countyhub.gs1.errors import DigitalLinkError

    try:
        link = parse_digital_link(uri)
    except DigitalLinkError as error:
        typer.echo(f"invalid Digital Link URI: {error}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(json.dumps(link.to_json(), ensure_ascii=False))


@trace_app.command("gtin")
def gtin(
    code: Annotated[str, typer.Argument(help="A GTIN-8, -12, -13 or -14")],
) -> None:
    """Validate a GTIN and print it as GTIN-14; exit 1 with the reason."""
    from countyhub.gs1.errors import GS1KeyError
    from countyhub.gs1.keys import normalise_gtin

    try:
        typer.echo(normalise_gtin(code))
    except GS1KeyError as error:
        typer.echo(f"invalid GTIN: {error}", err=True)
        raise typer.Exit(code=1) from error
