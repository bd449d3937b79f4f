from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "countyhub.core"
    verbose_name = _("Counties and people")

    def ready(self) -> None:
        from countyhub.core import receivers  # noqa: F401  (connects the signal receivers)
