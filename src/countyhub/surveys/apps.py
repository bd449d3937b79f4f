from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "countyhub.surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from countyhub.surveys import (
            export_job,  # noqa: F401  (registers the wave export job)
            import_job,  # noqa: F401  (registers the import job)
        )
