from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrossborderConfig(AppConfig):
    name = "countyhub.crossborder"
    verbose_name = _("Cross-border exports")

    def ready(self) -> None:
        # channels sits below this app and may not import it: it asks through its hooks.
        from countyhub.channels import hooks
        from countyhub.crossborder import listing_checks

        hooks.register_rate_lookup(listing_checks.latest_rate)
        hooks.register_listing_check(listing_checks.crossborder_gaps)
