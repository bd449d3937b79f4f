"""The village service station: where a village's parcels arrive, where its operators buy for
villagers and register households. Shop, catalog, trace and programs point at it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.core.models import CountyScoped, Role, Village


class StationService(models.TextChoices):
    PARCELS = "parcels", _("parcel pick-up and dispatch")
    ASSISTED_BUYING = "assisted_buying", _("assisted buying")
    ASSISTED_SELLING = "assisted_selling", _("assisted selling")
    BILL_PAYMENT = "bill_payment", _("bill payment")


class Station(CountyScoped):
    """A village's service station. Its operators are the station-operator memberships that
    name it (`core.Membership.station`); a closed station keeps its history (`active` off)."""

    village = models.OneToOneField(
        Village, on_delete=models.PROTECT, related_name="station", verbose_name=_("village")
    )
    # The person in charge as the public sees it; operators' accounts are their memberships.
    operator_name = models.CharField(_("operator"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    # Unknown for stations known only from the old village flag.
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Unknown for stations known only from the old village flag: counted as open all along.
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    # "active" alone is also a product on sale; a station is open.
    active = models.BooleanField(pgettext_lazy("station", "active"), default=True)

    class Meta:
        verbose_name = _("village service station")
        verbose_name_plural = _("village service stations")
        ordering = ["village__name"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (
                    Q(latitude__gte=-90, latitude__lte=90)
                    & Q(longitude__gte=-180, longitude__lte=180)
                ),
                name="station_coordinates_on_earth",
            )
        ]

    def __str__(self) -> str:
        return str(self.village)

    @property
    def name(self) -> str:
        return self.village.name

    def service_labels(self) -> list[str]:
        return [str(StationService(value).label) for value in self.services]

    def operators(self) -> models.QuerySet[Any]:
        """The accounts that run this station."""
        return get_user_model().objects.filter(
            memberships__station=self, memberships__role=Role.STATION_OPERATOR
        )
