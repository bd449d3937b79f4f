from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysesConfig(AppConfig):
    name = "countyhub.analyses"
    verbose_name = _("Analyses")

    def ready(self) -> None:
        from countyhub.analyses import runner  # noqa: F401  (registers the job handler)
