from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from countyhub.shop.signals import order_packed


class TraceConfig(AppConfig):
    name = "countyhub.trace"
    label = "trace"
    verbose_name = _("Traceability")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models load only now, so the receiver's module is imported here (Django's contract).
        from countyhub.trace import (
            events_export,  # noqa: F401  (registers the EPCIS export job)
            import_job,  # noqa: F401  (registers the import job)
            label_sheets,  # noqa: F401  (registers the sheet job)
        )
        from countyhub.trace.services.orders import on_order_packed

        order_packed.connect(on_order_packed, dispatch_uid="trace.record_order_batches")
