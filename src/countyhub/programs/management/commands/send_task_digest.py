"""`countyhub manage send_task_digest`: one e-mail per task owner with their open tasks.

Meant for cron once a week (e.g. `0 8 * * 1`); in development the console back end prints the
mails. Overdue tasks come first.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mass_mail
from django.core.management.base import BaseCommand
from django.utils import timezone, translation

from countyhub.programs.selectors import is_overdue, open_tasks_by_owner


def digest_text(owner, tasks, today) -> str:
    lines = [f"{owner.get_full_name() or owner.get_username()}，您好：", ""]
    overdue = [t for t in tasks if is_overdue(t, today)]
    if overdue:
        lines.append(f"已逾期 Overdue ({len(overdue)}):")
        lines += [f"  ! {t.deadline:%Y-%m-%d} {t.title} [{t.department}]" for t in overdue]
        lines.append("")
    upcoming = [t for t in tasks if not is_overdue(t, today)]
    if upcoming:
        lines.append(f"进行中 Open ({len(upcoming)}):")
        lines += [
            f"  - {t.deadline:%Y-%m-%d} {t.title} [{t.department}] {t.get_status_display()}"
            for t in upcoming
        ]
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "E-mail every task owner a digest of their open tasks (run weekly from cron)."

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        with translation.override(settings.LANGUAGE_CODE):
            messages = []
            for owner, tasks in open_tasks_by_owner(today=today).items():
                if not owner.email:
                    self.stderr.write(f"{owner.get_username()}: no e-mail address, skipped")
                    continue
                overdue = sum(is_overdue(t, today) for t in tasks)
                subject = f"[countyhub] 本周任务 Weekly tasks: {len(tasks)} open, {overdue} overdue"
                messages.append(
                    (
                        subject,
                        digest_text(owner, tasks, today),
                        settings.DEFAULT_FROM_EMAIL,
                        [owner.email],
                    )
                )
            sent = send_mass_mail(messages, fail_silently=False)
        self.stdout.write(f"sent {sent} digest(s)")
