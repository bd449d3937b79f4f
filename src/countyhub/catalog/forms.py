"""Forms of the catalog's back-office pages."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


class HouseholdForm(forms.Form):
    """A household registered at a village station: its head, phone, poverty status, members
    (one per line: name, relation to head)."""

    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    head_name = forms.CharField(label=_("head of household"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=30, required=False)
    registered_poor = forms.BooleanField(label=_("registered poor household"), required=False)
    poverty_exit_year = forms.IntegerField(
        label=_("year of exit from poverty"), required=False, min_value=2014
    )
    members = forms.CharField(
        label=_("members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: name, relation to head (e.g. 李红, 妻子)"),
    )

    def __init__(self, *args: Any, villages: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        if villages.count() == 1:
            self.fields["village"].initial = villages.first()

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

    def clean_members(self) -> list[tuple[str, str]]:
        members = []
        for number, line in enumerate(self.cleaned_data["members"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, relation = line.replace("，", ",").partition(",")
            if not name.strip() or len(name.strip()) > 100 or len(relation.strip()) > 40:
                raise forms.ValidationError(
                    _("Line %(line)s: give a name (and a relation) separated by a comma.")
                    % {"line": number}
                )
            members.append((name.strip(), relation.strip()))
        return members

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("poverty_exit_year") and not data.get("registered_poor"):
            self.add_error(
                "poverty_exit_year", _("Only a registered poor household has an exit year.")
            )
        return data


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
