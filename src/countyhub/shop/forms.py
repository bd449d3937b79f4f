from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from countyhub.catalog.models import Household, Product
from countyhub.catalog.validators import parse_quantity
from countyhub.core.models import County
from countyhub.shop.models import DeliveryMethod, OrderStatus, PaymentMethod, ShippingRate
from countyhub.shop.regions import PROVINCES
from countyhub.stations.models import Station
from countyhub.stations.selectors import open_stations


class CheckoutForm(forms.Form):
    delivery_method = forms.ChoiceField(
        label=_("Delivery"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.STATION,
        widget=forms.RadioSelect,
    )
    station = forms.ModelChoiceField(
        label=_("Village service station"), queryset=Station.objects.none(), required=False
    )
    recipient_name = forms.CharField(label=_("Recipient"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    address = forms.CharField(label=_("Address (home delivery)"), max_length=300, required=False)
    region_code = forms.ChoiceField(label=_("Province (home delivery)"), required=False)
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        choices=PaymentMethod.choices,
        initial=PaymentMethod.CASH_ON_DELIVERY,
        widget=forms.RadioSelect,
    )
    remember = forms.BooleanField(
        label=_("Remember this delivery for next time"), required=False, initial=True
    )
    # Makes a double submit (or a retry after a timeout) replay the first checkout.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = open_stations(county)
        self.fields["region_code"].choices = [("", "—"), *PROVINCES.items()]


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=60)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)


class AssistedOrderForm(forms.Form):
    """The villager a station operator orders for; the product lines are read by `read_lines`."""

    villager_name = forms.CharField(label=_("Villager's name"), max_length=100)
    villager_phone = forms.CharField(
        label=_("Villager's phone"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    household = forms.ModelChoiceField(
        label=_("Registered household"), queryset=Household.objects.none(), required=False
    )
    # Makes a double submit replay the first order instead of ordering twice.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.filter(county=county, active=True)


@dataclass
class AssistedLine:
    """One product line as typed; `quantity` stays the raw text so nothing typed is lost."""

    product: Product
    quantity_text: str
    quantity: Decimal | None = None
    error: str = ""


def read_lines(data: Mapping[str, str], *, county: County) -> list[AssistedLine]:
    """The `quantity-<product id>` inputs of a posted form, for products on sale in the county."""
    typed = {
        int(key.removeprefix("quantity-")): value.strip()
        for key, value in data.items()
        if key.startswith("quantity-") and key.removeprefix("quantity-").isdigit()
    }
    removed = data.get("remove", "")
    if removed.isdigit():
        typed.pop(int(removed), None)
    added = data.get("add", "")
    if added.isdigit():
        typed.setdefault(int(added), "1")
    products = Product.objects.filter(county=county, active=True).select_related("stock")
    found = products.in_bulk(list(typed))
    return [
        AssistedLine(found[product_id], text)
        for product_id, text in typed.items()
        if product_id in found
    ]


def check_quantities(lines: list[AssistedLine]) -> bool:
    """Parse each line's quantity, noting a message on the lines that are wrong."""
    for line in lines:
        try:
            line.quantity = parse_quantity(
                line.quantity_text, decimal_allowed=line.product.decimal_quantity
            )
        except ValidationError as error:
            line.error = error.messages[0]
    return all(not line.error for line in lines)


class OrderSearchForm(forms.Form):
    """The seller's order list: a search over number, buyer, phone and product, and filters."""

    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *OrderStatus.choices], required=False
    )
    placed_from = forms.DateField(
        label=_("Placed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    placed_to = forms.DateField(
        label=_("Placed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    station = forms.ModelChoiceField(
        label=_("Village service station"),
        queryset=Station.objects.none(),
        required=False,
        empty_label=_("Any station or home delivery"),
    )

    def __init__(self, *args: Any, county_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(county_id__in=county_ids)

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `selectors.seller_orders`; a wrong filter is dropped."""
        data = self.cleaned_data if self.is_valid() else {}
        station = data.get("station")
        return {
            "q": data.get("q", ""),
            "status": data.get("status", ""),
            "placed_from": data.get("placed_from"),
            "placed_to": data.get("placed_to"),
            "station_id": station.pk if station else None,
        }


class ProductQuickEditForm(forms.Form):
    """Price and stock on hand, changed from the seller's dashboard (catalog.update_product)."""

    price = forms.DecimalField(label=_("Price"), max_digits=12, decimal_places=2)
    stock = forms.DecimalField(label=_("In stock"), max_digits=12, decimal_places=3, min_value=0)


class HandOverForm(forms.Form):
    """The station operator hands a parcel over: the buyer's pickup code and the cash taken
    (county staff give a reason instead of the code). The service checks everything."""

    code = forms.CharField(
        label=_("Pickup code"),
        max_length=6,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    cash_collected = forms.DecimalField(
        label=_("Cash collected"), max_digits=12, decimal_places=2, required=False, min_value=0
    )
    difference_reason = forms.CharField(
        label=_("Reason for a different amount"), max_length=300, required=False
    )
    staff_reason = forms.CharField(
        label=_("Why county staff confirm"), max_length=300, required=False
    )


class CloseDayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.HiddenInput)
    cash_counted = forms.DecimalField(
        label=_("Cash in the till"), max_digits=12, decimal_places=2, min_value=0
    )
    difference_reason = forms.CharField(
        label=_("Reason for a difference"), max_length=300, required=False
    )
    correction_reason = forms.CharField(
        label=_("Reason for the correction (a day closed before)"),
        max_length=300,
        required=False,
    )


class ShippingRateForm(forms.ModelForm):
    """A seller's rate; the seller is one of the user's own, the service checks the rest."""

    class Meta:
        model = ShippingRate
        fields = (
            "seller",
            "delivery_method",
            "region_code",
            "region_name",
            "first_weight",
            "first_fee",
            "additional_fee",
            "free_above",
        )

    def __init__(self, *args: Any, sellers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].widget.attrs["inputmode"] = "numeric"
        self.fields["seller"].queryset = sellers
        self.fields["seller"].empty_label = None
