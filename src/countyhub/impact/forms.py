from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from countyhub.impact.models import YearbookFigure
from countyhub.impact.services import unit_error


class YearbookFigureForm(forms.ModelForm):
    class Meta:
        model = YearbookFigure
        fields = ("year", "indicator", "value", "unit", "source", "definition")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        indicator, unit = data.get("indicator"), data.get("unit")
        if indicator and unit and (problem := unit_error(indicator, unit)):
            self.add_error("unit", problem)
        return data

    def validate_unique(self) -> None:
        """A figure typed in again replaces the stored one (the service does), so no error."""


class FigureImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
