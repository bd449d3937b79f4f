"""Forms of the cross-border pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.crossborder.models import ProductTradeData, ReceiptStatus
from countyhub.customs import codelists


class TradeDataForm(forms.ModelForm):
    """A product's trade data; the producer is the seller, named by its customs code or USCC."""

    producer_code = forms.CharField(
        label=_("producer's customs code or USCC"),
        max_length=20,
        help_text=_("The 10-character customs code or 18-character unified social credit code."),
    )

    class Meta:
        model = ProductTradeData
        fields = (
            "hs_code",
            "declared_name_zh",
            "declared_name_en",
            "gmodel",
            "customs_unit",
            "net_weight",
            "gross_weight",
            "length_cm",
            "width_cm",
            "height_cm",
        )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Codes as text, with room for the separators people type (0902.2090.00).
        self.fields["hs_code"].max_length = 20
        self.fields["hs_code"].validators = []
        self.fields["customs_unit"] = forms.ChoiceField(
            label=_("customs unit"),
            choices=[
                (code, f"{code} {entry.name_zh} {entry.name_en}")
                for code, entry in codelists.units().items()
            ],
        )
        if self.instance.pk:
            self.fields["producer_code"].initial = self.instance.producer.code


class StatusForm(forms.Form):
    """A customs receipt status entered by hand (from the e-port's screen or a phone call)."""

    code = forms.TypedChoiceField(
        label=_("status code"),
        coerce=int,
        choices=[(code, f"{code} {label}") for code, label in ReceiptStatus.choices]
        + [(-1, _("processing error (%(code)s)") % {"code": -1})],
    )
    at = forms.DateTimeField(label=_("when"))
    info = forms.CharField(
        label=pgettext_lazy("receipt", "information"), max_length=1000, required=False
    )


MAX_RECEIPT_BYTES = 2 * 1024 * 1024


class ReceiptUploadForm(forms.Form):
    """A GACC receipt message (XML) as the e-port delivered it."""

    file = forms.FileField(label=_("receipt message (XML)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_RECEIPT_BYTES:
            raise forms.ValidationError(
                _("%(file)s is larger than 2 MB; a receipt message is far smaller.")
                % {"file": upload.name}
            )
        return upload
