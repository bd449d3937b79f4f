from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "countyhub.programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        from countyhub.core.periodic import monthly, periodic, weekly
        from countyhub.programs import payout_jobs  # noqa: F401  (registers the job handler)
        from countyhub.programs.digest import TASK, send_task_digests
        from countyhub.programs.incentives import draft_last_months_runs

        # Monday 08:00 in the site's time zone, as the cron line the README gave.
        periodic(TASK, weekly(0, 8))(send_task_digests)

        # The 1st at 06:00: last month's payout drafts are ready when the office opens.
        @periodic("programs.payout_drafts", monthly(1, 6))
        def draft_payouts() -> str:
            runs = draft_last_months_runs()
            return f"{len(runs)} payout drafts: " + ", ".join(str(run.county) for run in runs)
