from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "countyhub.catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from countyhub.catalog import import_job, search  # noqa: F401  (registers the import job)

        search.connect()
