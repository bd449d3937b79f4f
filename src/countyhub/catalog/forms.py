"""Forms of the catalog's back-office pages."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.catalog.validators import (
    EARLIEST_HEAD_BIRTH_YEAR,
    latest_head_birth_year,
    validate_head_birth_year,
)

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


class HouseholdForm(forms.Form):
    """A household registered at a village station: its head, phone and poverty status; its
    members come in `HouseholdMemberFormSet`."""

    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    head_name = forms.CharField(label=_("head of household"), max_length=100)
    head_birth_year = forms.IntegerField(
        label=_("head's birth year"),
        required=False,
        min_value=EARLIEST_HEAD_BIRTH_YEAR,
        validators=[validate_head_birth_year],
    )
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    registered_poor = forms.BooleanField(label=_("registered poor household"), required=False)
    poverty_exit_year = forms.IntegerField(
        label=_("year of exit from poverty"), required=False, min_value=2014
    )

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        if villages.count() == 1:
            self.fields["village"].initial = villages.first()
        # The latest plausible year moves with the calendar: set per form, not at import.
        self.fields["head_birth_year"].widget.attrs["max"] = latest_head_birth_year()

    def clean_poverty_exit_year(self) -> int | None:
        year = self.cleaned_data["poverty_exit_year"]
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("The exit year is in the future."))
        return year

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(_("Give the phone number in digits, e.g. 13800001234."))
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("poverty_exit_year") and not data.get("registered_poor"):
            self.add_error(
                "poverty_exit_year", _("Only a registered poor household has an exit year.")
            )
        return data


class HouseholdMemberForm(forms.Form):
    """One member of a household: the name and the relation to the head in separate fields, so
    "王军 儿子" typed in one box is never stored as a name."""

    name = forms.CharField(label=pgettext_lazy("person", "name"), max_length=100, required=False)
    relation = forms.CharField(label=_("relation to head"), max_length=40, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("relation", "").strip() and not data.get("name", "").strip():
            self.add_error("name", _("Give the member's name."))
        return data


HouseholdMemberFormSet = forms.formset_factory(HouseholdMemberForm, extra=4, max_num=30)


class ProductPictureForm(forms.Form):
    """A picture a seller adds to a product; the service checks the file by its content."""

    image = forms.FileField(
        label=_("picture"),
        help_text=_("A JPEG, PNG or WebP photo, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("what it shows"),
        max_length=200,
        required=False,
        help_text=_("For people who cannot see it, e.g. “a box of red apples”."),
    )
    alt_text_en = forms.CharField(
        label=_("what it shows, in English"), max_length=200, required=False
    )
