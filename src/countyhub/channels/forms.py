"""The listing form (one product on one channel, saved through services.save_listing) and the
stock push form (where a channel's stock is pushed, saved through stock_push.set_push_url)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from countyhub.channels.models import Channel, Listing, ListingStatus
from countyhub.channels.stock_push import check_push_url
from countyhub.core.numbers import plain_number


class ListingForm(forms.Form):
    price = forms.DecimalField(
        label=_("price"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=_("Empty: the channel's price rule gives it from the product's price."),
    )
    title = forms.CharField(
        label=_("title on the channel"),
        required=False,
        max_length=150,
        help_text=_("Empty: the product's name."),
    )
    stock_buffer = forms.DecimalField(
        label=_("stock buffer"),
        required=False,
        max_digits=12,
        decimal_places=3,
        min_value=Decimal(0),
        help_text=_("Units this channel may not sell. Empty: the channel's default."),
    )
    external_id = forms.CharField(label=_("id on the platform"), required=False, max_length=64)
    status = forms.ChoiceField(label=_("status"), choices=ListingStatus.choices)
    rejection_reason = forms.CharField(
        label=_("reason of the rejection"),
        required=False,
        max_length=300,
        help_text=_("Only for a rejected listing: what the platform said."),
    )

    def __init__(self, *args: Any, channel: Channel, listing: Listing | None, **kwargs: Any):
        if listing is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "price": listing.price,
                "title": listing.title,
                "stock_buffer": plain_number(listing.stock_buffer),
                "external_id": listing.external_id,
                "status": listing.status,
                "rejection_reason": listing.rejection_reason,
            }
        super().__init__(*args, **kwargs)
        self.fields["price"].label = _("price (%(currency)s)") % {"currency": channel.currency}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("status") == ListingStatus.REJECTED and not data.get("rejection_reason"):
            self.add_error("rejection_reason", _("Say why the platform rejected the listing."))
        return data


class StockPushForm(forms.Form):
    url = forms.URLField(
        label=_("stock push URL"),
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[check_push_url],
        help_text=_(
            "Where this channel's sellable quantities are POSTed every 5 minutes, signed with "
            "the secret (your ERP middleware or platform bridge). Empty: no push."
        ),
    )
