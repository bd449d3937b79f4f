"""`countyhub manage run_payouts --county qingshan --from 2025-01 --to 2025-12 [--approve]`.

Evaluates (and optionally approves) month after month, with a progress bar: catching up after
rules changed, or closing the month from cron.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from countyhub.core.models import County
from countyhub.core.months import add_months, parse_month
from countyhub.programs.errors import ProgramsError
from countyhub.programs.incentives import approve_run, evaluate_period


def _month(text: str, option: str) -> datetime.date:
    try:
        return parse_month(text)
    except ValueError as error:
        raise CommandError(f"{option}: give the month as YYYY-MM, not {text!r}") from error


class Command(BaseCommand):
    help = "Evaluate the incentive rules month by month (and approve with --approve)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--county", required=True, help="county slug")
        parser.add_argument("--from", dest="first", required=True, help="first month, YYYY-MM")
        parser.add_argument("--to", dest="last", required=True, help="last month, YYYY-MM")
        parser.add_argument("--as", dest="username", required=True, help="acting county admin")
        parser.add_argument("--approve", action="store_true", help="book each run to the ledger")

    def handle(self, *args, **options) -> None:
        from rich.console import Console
        from rich.progress import Progress

        county = County.objects.filter(slug=options["county"]).first()
        if county is None:
            raise CommandError(f"--county: no county {options['county']!r}")
        actor = get_user_model().objects.filter(username=options["username"]).first()
        if actor is None:
            raise CommandError(f"--as: no user {options['username']!r}")
        first, last = _month(options["first"], "--from"), _month(options["last"], "--to")
        if last < first:
            raise CommandError("--to: the last month is before the first")
        months = []
        while first <= last:
            months.append(first)
            first = add_months(first, 1)
        console = Console(file=self.stdout)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("payout runs", total=len(months))
            for month in months:
                try:
                    run = evaluate_period(county=county, period=month, actor=actor)
                    if options["approve"]:
                        run = approve_run(run=run, actor=actor)
                except ProgramsError as error:
                    raise CommandError(f"{month:%Y-%m}: {error.message}") from error
                lines = list(run.lines.all())
                total = sum((line.amount for line in lines), 0)
                console.print(
                    f"{month:%Y-%m} run #{run.pk} {run.status}: {len(lines)} lines, total {total}"
                    + "".join(f"\n  ! {note}" for note in run.notes)
                )
                progress.advance(task)
