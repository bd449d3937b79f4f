from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from countyhub.catalog.models import Category, Product
from countyhub.core.models import County
from countyhub.impact.models import ReferencePrice, YearbookFigure
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


class ReferencePriceForm(forms.ModelForm):
    """One price the county observed; the item's choices are the county's own."""

    class Meta:
        model = ReferencePrice
        fields = ("year", "category", "product", "unit", "price", "place", "source")

    def __init__(self, *args: Any, county: County, **kwargs: Any) -> None:
        kwargs.setdefault("instance", ReferencePrice(county=county))
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        product = self.fields["product"]
        assert isinstance(category, forms.ModelChoiceField)
        assert isinstance(product, forms.ModelChoiceField)
        category.queryset = Category.objects.filter(county=county)
        product.queryset = Product.objects.filter(county=county).order_by("name")
        category.help_text = _("A category's price applies to all its products in that unit.")
        product.help_text = _("Or one product, whose own price then comes first.")

    def validate_unique(self) -> None:
        """A price typed in again for the same year, item and place replaces the stored one
        (the service does), so no error."""


class PriceImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file (UTF-8 or GB18030)"))
