from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImpactConfig(AppConfig):
    name = "countyhub.impact"
    verbose_name = _("Impact")

    def ready(self) -> None:
        from countyhub.impact import (
            panel_runs,  # noqa: F401  (registers the DiD job handler)
            report_jobs,  # noqa: F401  (registers the report's PDF job)
        )
