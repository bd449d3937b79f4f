"""`countyhub trace ...`: GS1 identifiers from the command line (Digital Link URIs, GTINs)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

trace_app = typer.Typer(
    help="Traceability: parse Digital Link URIs, check GTINs, EPC URIs and RFID tags, verify hash "
    "chains, recall lots.",
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


@trace_app.command("epc")
def epc(
    value: Annotated[
        str,
        typer.Argument(
            help="A serial Digital Link (https://d/01/<gtin>/21/<serial>), an EPC URI "
            "(urn:epc:id:sgtin:... or urn:epc:tag:sgtin-96/198:...) or a tag's hex "
            "(24 or 52 digits)",
            metavar="URI_OR_HEX",
        ),
    ],
    company_prefix_length: Annotated[
        int | None,
        typer.Option(
            "--company-prefix-length",
            min=6,
            max=12,
            help="Digits of the GS1 company prefix in the GTIN, when GS1's table does not know it.",
        ),
    ] = None,
    filter_value: Annotated[
        int | None,
        typer.Option("--filter", min=0, max=7, help="RFID filter value when encoding (default 1)."),
    ] = None,
) -> None:
    """Print a serialised unit's EPC URI, RFID tag (SGTIN-96 or SGTIN-198) and Digital Link path
    as JSON, encoding a Digital Link or EPC URI or decoding a tag; exit 1 naming the bad part."""
    from countyhub.gs1.errors import GS1Error, UnknownCompanyPrefixError
    from countyhub.gs1.tds import read_unit

    try:
        tag = read_unit(
            value.strip(), company_prefix_length=company_prefix_length, filter_value=filter_value
        )
    except GS1Error as error:
        typer.echo(f"invalid unit: {error}", err=True)
        if isinstance(error, UnknownCompanyPrefixError):
            typer.echo("give it with --company-prefix-length N", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(json.dumps(tag.to_json(), ensure_ascii=False))


@trace_app.command("verify")
def verify(
    county: Annotated[
        str | None, typer.Option("--county", help="Only this county (its slug).")
    ] = None,
) -> None:
    """Recompute every batch's event hashes and hash chain; name any tampered event (exit 1)."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from countyhub.core.models import County
    from countyhub.trace.verification import verify_batches

    console = Console(stderr=True)
    county_id = None
    if county is not None:
        found = County.objects.filter(slug=county).first()
        if found is None:
            typer.echo(f"--county: no county with slug {county!r}", err=True)
            raise typer.Exit(code=2)
        county_id = found.pk
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("verifying hash chains", total=None)
        checked, tampered = verify_batches(
            county_id=county_id,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for bad in tampered:
        where = f"event {bad.sequence}" if bad.sequence is not None else "chain"
        typer.echo(
            f"TAMPERED lot {bad.lot} (GTIN {bad.gtin}) {where} {bad.event_id or ''}: {bad.reason}"
        )
    typer.echo(f"{checked} batches checked, {len(tampered)} with tampered events")
    if tampered:
        raise typer.Exit(code=1)


@trace_app.command("recall")
def recall(
    lot: Annotated[str, typer.Argument(help="The lot number of the batch to recall")],
    gtin: Annotated[
        str | None, typer.Option(help="The product's GTIN, when several products share the lot")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every order that received the batch (order, date, status, quantity, destination)."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from rich.console import Console
    from rich.table import Table

    from countyhub.catalog.units import quantity_with_unit
    from countyhub.core.numbers import plain_number
    from countyhub.gs1.errors import GS1KeyError
    from countyhub.gs1.keys import normalise_gtin
    from countyhub.trace.models import Batch
    from countyhub.trace.selectors import recall_lines

    batches = Batch.objects.filter(lot=lot)
    if gtin is not None:
        try:
            batches = batches.filter(gtin=normalise_gtin(gtin))
        except GS1KeyError as error:
            typer.echo(f"--gtin: {error}", err=True)
            raise typer.Exit(code=2) from error
    batches = list(batches)
    if not batches:
        typer.echo(f"no batch with lot {lot!r}", err=True)
        raise typer.Exit(code=1)
    lines = recall_lines(batches)
    if as_json:
        rows = [
            {
                "order": line.order_number,
                "placed_at": line.placed_at.isoformat(),
                "status": str(line.status),
                "product": line.product_name,
                "lot": line.batch_lot,
                "quantity": plain_number(line.quantity),
                "refunded_quantity": plain_number(line.refunded_quantity),
                "unit": str(line.unit),
                "destination": line.destination,
            }
            for line in lines
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(title=f"Recall of lot {lot}: {len(lines)} shipment(s)")
    for column in ("order", "placed", "status", "product", "quantity", "destination"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            line.order_number,
            f"{line.placed_at:%Y-%m-%d}",
            str(line.status),
            f"{line.product_name} ({line.batch_lot})",
            quantity_with_unit(line.quantity, line.unit),
            line.destination,
        )
    Console(width=140).print(table)
