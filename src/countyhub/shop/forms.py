from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from countyhub.core.models import County, Village
from countyhub.shop.models import DeliveryMethod, PaymentMethod


class CheckoutForm(forms.Form):
    delivery_method = forms.ChoiceField(
        label=_("Delivery"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.STATION,
        widget=forms.RadioSelect,
    )
    station = forms.ModelChoiceField(
        label=_("Village service station"), queryset=Village.objects.none(), required=False
    )
    recipient_name = forms.CharField(label=_("Recipient"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    address = forms.CharField(label=_("Address (home delivery)"), max_length=300, required=False)
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=PaymentMethod.choices,
        initial=PaymentMethod.CASH_ON_DELIVERY,
        widget=forms.RadioSelect,
    )
    # Makes a double submit (or a retry after a timeout) replay the first checkout.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Village.objects.filter(
            county=county, has_service_station=True
        )


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=60)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)
