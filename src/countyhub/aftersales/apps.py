from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AftersalesConfig(AppConfig):
    name = "countyhub.aftersales"
    verbose_name = _("After-sales")

    def ready(self) -> None:
        from countyhub.aftersales.services import run_deadlines
        from countyhub.core.periodic import every_minutes, periodic

        @periodic("aftersales.deadlines", every_minutes(15))
        def deadlines() -> str:
            moved = run_deadlines()
            return (
                ", ".join(f"{status}: {n}" for status, n in sorted(moved.items())) or "nothing due"
            )
