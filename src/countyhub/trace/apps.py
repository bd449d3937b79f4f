from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TraceConfig(AppConfig):
    name = "countyhub.trace"
    label = "trace"
    verbose_name = _("Traceability")
    default_auto_field = "django.db.models.BigAutoField"
