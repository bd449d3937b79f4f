from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "countyhub.programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        from countyhub.core.periodic import periodic, weekly
        from countyhub.programs import payout_jobs  # noqa: F401  (registers the job handler)
        from countyhub.programs.digest import TASK, send_task_digests

        # Monday 08:00 in the site's time zone, as the cron line the README gave.
        periodic(TASK, weekly(0, 8))(send_task_digests)
