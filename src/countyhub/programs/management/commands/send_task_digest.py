"""`countyhub manage send_task_digest [--force]`: one e-mail per task owner with their open tasks.

Meant for cron once a week (e.g. `0 8 * * 1`) or `countyhub beat`; the week is claimed first, so
however many hosts run it the digest goes out once a week (`--force` sends it again). In
development the console back end prints the mails. Overdue tasks come first.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from countyhub.core.models import PeriodicRun
from countyhub.core.periodic import claim, run_claimed, weekly
from countyhub.programs.digest import TASK, send_task_digests


class Command(BaseCommand):
    help = "E-mail every task owner a digest of their open tasks, once a week (cron or beat)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="send even if this week's digest went out"
        )

    def handle(self, *args, **options) -> None:
        skipped: list[str] = []
        if options["force"]:
            summary = send_task_digests(skipped)
        else:
            week = weekly(0, 0)(timezone.now())
            run = claim(TASK, week)
            if run is None:
                earlier = PeriodicRun.objects.get(task=TASK, period=week)
                self.stdout.write(
                    f"this week's digest ({week}) was sent by {earlier.host} at "
                    f"{earlier.started_at:%Y-%m-%d %H:%M} UTC; --force sends it again"
                )
                return
            summary = run_claimed(run, lambda: send_task_digests(skipped))
        for username in skipped:
            self.stderr.write(f"{username}: no e-mail address, skipped")
        self.stdout.write(summary)
