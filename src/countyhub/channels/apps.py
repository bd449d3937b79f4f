from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "countyhub.channels"
    label = "channels"
    verbose_name = _("Sales channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from countyhub.channels import import_job  # noqa: F401  (registers the import job)
        from countyhub.channels.stock_push import push_all_stock  # and the push-now job
        from countyhub.core.periodic import every_minutes, periodic

        # Every few minutes (settings.COUNTYHUB_STOCK_PUSH_MINUTES says why and how many).
        minutes = settings.COUNTYHUB_STOCK_PUSH_MINUTES
        periodic("channels.push_stock", every_minutes(minutes))(push_all_stock)
