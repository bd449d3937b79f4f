from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "countyhub.core"
    verbose_name = _("Counties and people")

    def ready(self) -> None:
        from countyhub.core import receivers  # noqa: F401  (connects the signal receivers)

        self._schedule()

    @staticmethod
    def _schedule() -> None:
        from countyhub.core.jobs import delete_old_files, send_unsent
        from countyhub.core.periodic import every_minutes, periodic

        @periodic("jobs.send_unsent", every_minutes(1))
        def resend() -> str:
            return f"{send_unsent()} queued jobs handed over again"

        @periodic("jobs.delete_old_files", every_minutes(60))
        def delete_files() -> str:
            return f"{delete_old_files()} files of old jobs deleted"
