"""`countyhub crossborder ...`: HS codes and the customs messages of a county's export orders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

crossborder_app = typer.Typer(
    help="Cross-border exports: normalise HS codes, write the customs messages of export orders.",
    no_args_is_help=True,
)


@crossborder_app.command("hs")
def hs(
    code: Annotated[str, typer.Argument(help="A China commodity code, e.g. 0902.2090.00")],
) -> None:
    """Print the normalised code (10 digits, 13 with the CIQ code); exit 2 with the reason."""
    from countyhub.customs.errors import HSCodeError
    from countyhub.customs.hs import normalise_hs

    try:
        typer.echo(normalise_hs(code))
    except HSCodeError as error:
        typer.echo(f"invalid HS code: {error}", err=True)
        raise typer.Exit(code=2) from error


@crossborder_app.command("messages")
def write_messages(
    county: Annotated[str, typer.Option("--county", help="The county's slug.")],
    out: Annotated[Path, typer.Option("--out", help="Directory to write into.")],
) -> None:
    """Write DIR/<order number>/CEB303Message.xml, CEB403, CEB505 and CEB603 for every export
    order of the county, each validated against GACC's XSD and the customs code lists; exit 2
    naming the order and the problems when one is invalid, 1 for an unknown county."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from countyhub.core.models import County
    from countyhub.crossborder.declarations import export_messages
    from countyhub.crossborder.models import ExportOrder
    from countyhub.customs.errors import MessageError

    found = County.objects.filter(slug=county).first()
    if found is None:
        typer.echo(f"no county with the slug {county!r}", err=True)
        raise typer.Exit(code=1)
    exports = ExportOrder.objects.filter(county=found).select_related("order").order_by("pk")
    written = 0
    for export in exports:
        try:
            files = export_messages(export)
        except MessageError as error:
            typer.echo(f"order {export.order.number}: {error}", err=True)
            raise typer.Exit(code=2) from error
        folder = out / export.order.number
        folder.mkdir(parents=True, exist_ok=True)
        for name, xml in files.items():
            (folder / name).write_bytes(xml)
        written += 1
    typer.echo(f"{written} export order(s) written to {out}")


@crossborder_app.command("receipts")
def import_receipts(
    county: Annotated[str, typer.Option("--county", help="The county's slug.")],
    files: Annotated[list[Path], typer.Argument(help="GACC receipt messages (XML).")],
) -> None:
    """Import customs receipt messages (CEB304, CEB404, CEB506, CEB510, CEB604) into the
    county's export orders' status histories, and CEB702 into its 9610 summary applications';
    a receipt already recorded is not added again.
    Exit 2 naming the file, line and column of a bad one (nothing of it is saved), 1 for an
    unknown county."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from countyhub.core.models import County
    from countyhub.crossborder import services
    from countyhub.crossborder.errors import CrossborderError

    found = County.objects.filter(slug=county).first()
    if found is None:
        typer.echo(f"no county with the slug {county!r}", err=True)
        raise typer.Exit(code=1)
    for path in files:
        try:
            result = services.import_receipts(
                actor=None, county=found, xml=path.read_bytes(), filename=path.name
            )
        except CrossborderError as error:
            typer.echo(error.message, err=True)
            for problem in error.problems:
                typer.echo(problem, err=True)
            raise typer.Exit(code=2) from error
        typer.echo(
            f"{path.name}: {result.added} receipt(s) added, {result.already} already recorded"
        )
