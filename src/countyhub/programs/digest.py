"""The weekly digest of open tasks: one e-mail per task owner, overdue tasks first. Sent once a
week (countyhub.core.periodic claims the ISO week, so N hosts, or a host and a cron line, send it
once)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.utils import timezone, translation

from countyhub.programs.selectors import is_overdue, open_tasks_by_owner

TASK = "programs.task_digest"


def digest_text(owner: Any, tasks: list[Any], today: Any) -> str:
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


def send_task_digests(skipped: list[str] | None = None) -> str:
    """E-mail every task owner with an address; `skipped` collects the owners without one."""
    today = timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE):
        messages = []
        for owner, tasks in open_tasks_by_owner(today=today).items():
            if not owner.email:
                if skipped is not None:
                    skipped.append(owner.get_username())
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
    return f"sent {sent} digest(s)"
