"""`countyhub programs ...`: the demonstration program's periodic jobs (for cron), the same as
their management commands, under the one `countyhub` command."""

from __future__ import annotations

from typing import Annotated

import typer

programs_app = typer.Typer(
    help="Demonstration programs: monthly incentive payout runs, the weekly task digest.",
    no_args_is_help=True,
)


def _call(name: str, *args: str) -> None:
    from countyhub.commands.web import _setup_django

    _setup_django()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    try:
        call_command(name, *args)
    except CommandError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=2) from error


@programs_app.command("payouts")
def payouts(
    county: Annotated[str, typer.Option("--county", help="The county's slug.")],
    first: Annotated[str, typer.Option("--from", help="First month, YYYY-MM.")],
    last: Annotated[str, typer.Option("--to", help="Last month, YYYY-MM.")],
    username: Annotated[str, typer.Option("--as", help="The acting county administrator.")],
    approve: Annotated[
        bool, typer.Option("--approve", help="Book each run to the ledger.")
    ] = False,
) -> None:
    """Evaluate the incentive rules month by month (progress bar); --approve books the runs."""
    args = ["--county", county, "--from", first, "--to", last, "--as", username]
    _call("run_payouts", *args, *(["--approve"] if approve else []))


@programs_app.command("digest")
def digest() -> None:
    """E-mail every task owner the digest of their open tasks (weekly, from cron)."""
    _call("send_task_digest")
