"""`countyhub manage run_aftersales_deadlines`: move every after-sales request whose step lapsed.

Meant for the scheduler (e.g. cron `*/15 * * * *`); running it twice moves nothing twice. The
deadlines are settings (AFTERSALES_SELLER_ANSWER_HOURS and the rest, see settings.py).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from countyhub.aftersales.services import run_deadlines


class Command(BaseCommand):
    help = "Escalate unanswered after-sales requests and close lapsed ones (run from cron)."

    def handle(self, *args, **options) -> None:
        moved = run_deadlines()
        summary = ", ".join(f"{status}: {count}" for status, count in sorted(moved.items()))
        self.stdout.write(f"after-sales deadlines: {summary or 'nothing due'}")
