from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "countyhub.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models load only now, so the receivers' module is imported here (Django's contract).
        from countyhub.notifications.receivers import (
            on_order_event,
            on_ready_for_pickup,
            on_shipment,
        )
        from countyhub.shop.models import OrderEvent, Shipment
        from countyhub.shop.signals import order_ready_for_pickup

        post_save.connect(on_order_event, sender=OrderEvent, dispatch_uid="notify.order_event")
        post_save.connect(on_shipment, sender=Shipment, dispatch_uid="notify.shipment")
        order_ready_for_pickup.connect(on_ready_for_pickup, dispatch_uid="notify.ready_for_pickup")
        self._schedule()

    @staticmethod
    def _schedule() -> None:
        from countyhub.core.periodic import every_minutes, periodic
        from countyhub.notifications.services import deliver_due

        @periodic("notifications.send", every_minutes(1))
        def send() -> str:
            sent, failed = deliver_due(limit=500)
            return f"{sent} sent, {failed} failed"
