"""`countyhub manage send_notifications [--loop SECONDS]`: send what the outbox holds.

Once (for cron, e.g. every minute) or, with `--loop`, as the background worker that sends
notifications when `REDIS_URL` is set. Failed messages are retried with a growing wait
(1, 2, 4... minutes) up to COUNTYHUB_NOTIFICATION_MAX_ATTEMPTS times.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from countyhub.notifications.services import deliver_due


class Command(BaseCommand):
    help = "Send queued notifications and retry failed ones."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop", type=float, default=0, help="keep running, draining every SECONDS"
        )
        parser.add_argument("--limit", type=int, default=500, help="messages per round")

    def handle(self, *args, **options) -> None:
        while True:
            sent, failed = deliver_due(limit=options["limit"])
            if sent or failed or not options["loop"]:
                self.stdout.write(f"{sent} sent, {failed} failed")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
