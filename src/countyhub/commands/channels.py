"""`countyhub channels ...`: sales channels from the command line (order imports for cron or a
county's scripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

channels_app = typer.Typer(
    help="Sales channels: import a marketplace's order export into the one stock.",
    no_args_is_help=True,
)


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=2)


@channels_app.command("import-orders")
def import_orders(
    channel_code: Annotated[str, typer.Option("--channel", help="The channel's code.")],
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="The platform's order export."
        ),
    ],
    skip_bad_rows: Annotated[
        bool,
        typer.Option("--skip-bad-rows", help="Import the good orders and leave out the bad."),
    ] = False,
    county: Annotated[
        str, typer.Option("--county", help="The county's slug, if several have the code.")
    ] = "",
    username: Annotated[
        str, typer.Option("--as", help="Import as this user (their own products only).")
    ] = "",
) -> None:
    """Import a CSV/XLSX order export (UTF-8 or GBK). Prints how many orders were imported
    (exit 0), or names every bad row (exit 2): a file with a bad row imports nothing."""
    from countyhub.commands.web import _setup_django

    _setup_django()
    from django.contrib.auth import get_user_model

    from countyhub.channels.errors import ChannelError
    from countyhub.channels.models import Channel
    from countyhub.channels.services import import_order_file
    from countyhub.core.numbers import plain_number
    from countyhub.shop.errors import InsufficientStockError

    channels = Channel.objects.filter(code=channel_code).select_related("county")
    if county:
        channels = channels.filter(county__slug=county)
    found = list(channels[:2])
    if not found:
        raise _fail(f"no channel with the code {channel_code!r}")
    if len(found) > 1:
        raise _fail(f"several counties have a channel {channel_code!r}: give --county")
    actor = None
    if username:
        actor = get_user_model().objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise _fail(f"no active user {username!r}")
    try:
        with file.open("rb") as upload:
            report = import_order_file(
                channel=found[0],
                actor=actor,
                upload=upload,
                filename=file.name,
                skip_bad_rows=skip_bad_rows,
            )
    except ChannelError as error:
        raise _fail(error.message) from error
    except InsufficientStockError as error:
        lines = [
            f"{s.product_name} (product {s.product_id}): {plain_number(s.requested)} ordered, "
            f"{plain_number(s.available)} available"
            for s in error.shortages
        ]
        raise _fail("\n".join(["not enough stock, nothing imported:", *lines])) from error
    for note in report.notes:
        typer.echo(note, err=True)
    problems = [
        f"{file.name}: row {problem.position}, {problem.field}: {problem.message}"
        for problem in report.problems
    ]
    if report.refused:
        raise _fail("\n".join([*problems, f"{len(problems)} bad rows: nothing imported"]))
    for line in problems:
        typer.echo(line, err=True)
    skipped = f", {report.skipped} orders with bad rows left out" if report.skipped else ""
    typer.echo(f"{report.imported} orders imported, {report.existing} imported before{skipped}")
