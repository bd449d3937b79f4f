"""After-sales forms: the buyer's request (a quantity per order line, photos) and each step's."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from countyhub.aftersales.models import Reason, RequestKind
from countyhub.catalog.models import Unit
from countyhub.core.numbers import plain_number
from countyhub.shop.models import Order


def _unit(code: str) -> str:
    return str(Unit(code).label) if code in Unit.values else code


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several pictures in one input; the service checks each (type, size, count)."""

    widget = PhotosInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(PhotosField, self).clean(item, initial) for item in files]


class RequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What do you want?"), choices=RequestKind.choices, widget=forms.RadioSelect
    )
    goods_received = forms.TypedChoiceField(
        label=_("Did you receive the goods?"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = []
        for line in order.lines.all().order_by("pk"):
            left = line.quantity - line.refunded_quantity
            if left <= 0:
                continue
            name = f"line_{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=f"{line.product_name} ({plain_number(left)} {_unit(line.unit)})",
                required=False,
                min_value=Decimal(0),
                max_digits=12,
                decimal_places=3,
                validators=[MinValueValidator(Decimal(0)), MaxValueValidator(left)],
                widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
            )
            self.order_lines.append((line, self[name]))

    def quantities(self) -> dict[int, Decimal]:
        return {
            line.pk: self.cleaned_data[f"line_{line.pk}"]
            for line, _bound in self.order_lines
            if self.cleaned_data.get(f"line_{line.pk}")
        }


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=300)


class ReturnAddressForm(forms.Form):
    address = forms.CharField(label=_("Return address"), max_length=300)


class ReturnShipmentForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=60)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)


class DecisionForm(forms.Form):
    refund = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("refund the buyer")), ("no", _("no refund"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Reason of the decision"), max_length=300)


class RefundForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference of the refund (bank transfer) or who handed the cash back"),
        max_length=100,
        required=False,
    )
