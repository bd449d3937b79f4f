from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "countyhub.shop"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from countyhub.shop import (
            day_sheet_jobs,  # noqa: F401  (registers the day sheet's job)
            sales_report_jobs,  # noqa: F401  (registers the sales report's job)
        )
