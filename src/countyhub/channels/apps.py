from django.apps import AppConfig
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

        # Every 5 minutes: short enough that a sale on one channel soon lowers what the others
        # offer (the listing's buffer covers the minutes between), long enough for a slow
        # endpoint of each channel to answer within the period.
        periodic("channels.push_stock", every_minutes(5))(push_all_stock)
