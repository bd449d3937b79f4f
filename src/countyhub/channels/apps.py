from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "countyhub.channels"
    label = "channels"
    verbose_name = _("Sales channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from countyhub.channels import import_job  # noqa: F401  (registers the import job)
