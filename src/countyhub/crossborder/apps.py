from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrossborderConfig(AppConfig):
    name = "countyhub.crossborder"
    verbose_name = _("Cross-border exports")
