from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from countyhub.analyses.cpi import NATIONAL_RURAL
from countyhub.analyses.models import CPIDefinition, CPISeries, Dataset
from countyhub.analyses.services import MAX_RESAMPLES, MIN_RESAMPLES
from countyhub.core.models import County
from countyhub.surveys.models import Wave


def _names(text: str) -> list[str]:
    return [name for name in re.split(r"[\s,，]+", text.strip()) if name]


class DatasetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    file = forms.FileField(label=_("Table (.csv in UTF-8 or GB18030, or .xlsx)"))
    constructs = forms.CharField(
        label=_("Constructs"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: NAME: item1 item2 item3. Left blank, items named like comp_1, comp_2 "
            "are grouped by their prefix."
        ),
    )
    reverse = forms.CharField(
        label=_("Reverse-coded items"),
        required=False,
        help_text=_("Column names, comma-separated."),
    )
    scale_min = forms.IntegerField(label=_("Likert scale from"), initial=1)
    scale_max = forms.IntegerField(label=_("Likert scale to"), initial=5)
    missing_codes = forms.CharField(
        label=_("Missing-value codes"),
        required=False,
        initial="-99",
        help_text=_("Never used as numbers; blank cells are missing too."),
    )
    money = forms.CharField(
        label=_("Money columns"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: COLUMN: price year, e.g. income_2020: 2020."),
    )

    def clean_reverse(self) -> list[str]:
        return _names(self.cleaned_data["reverse"])

    def clean_missing_codes(self) -> list[str]:
        return _names(self.cleaned_data["missing_codes"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and low >= high:
            self.add_error("scale_max", _("The scale must end above where it starts."))
        return data


class PLSForm(forms.Form):
    model_syntax = forms.CharField(
        label=_("Model (lavaan-style syntax)"),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_(
            "NAME =~ item + item (reflective), NAME <~ item + item (composite), "
            "TARGET ~ SOURCE (path)."
        ),
    )
    weighting = forms.ChoiceField(
        label=_("Weighting scheme"),
        choices=[("path", _("path")), ("factorial", _("factorial")), ("centroid", _("centroid"))],
        initial="path",
    )
    missing = forms.ChoiceField(
        label=_("Missing values"),
        choices=[("listwise", _("drop incomplete rows")), ("mean", _("replace by the item mean"))],
        initial="listwise",
    )
    resamples = forms.IntegerField(
        label=_("Bootstrap resamples"),
        min_value=MIN_RESAMPLES,
        max_value=MAX_RESAMPLES,
        initial=5000,
    )
    seed = forms.IntegerField(
        label=_("Seed"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
        help_text=_("Blank: a new one, stored with the run."),
    )
    p_min = forms.FloatField(
        label=_("Smallest path expected to matter"),
        min_value=0.01,
        max_value=0.99,
        initial=0.2,
        help_text=_("For the inverse square root method."),
    )


class CPIForm(forms.Form):
    """A county CPI table: the values typed, or a CSV/XLSX file with columns year and cpi."""

    name = forms.CharField(label=_("Name"), max_length=120)
    definition = forms.ChoiceField(
        label=_("The values are"), choices=CPIDefinition.choices, initial=CPIDefinition.LEVELS
    )
    base = forms.CharField(
        label=_("Base"),
        max_length=60,
        required=False,
        help_text=_("For index levels, e.g. 2015 = 100."),
    )
    source = forms.CharField(
        label=_("Source"),
        max_length=300,
        help_text=_("Where the values come from, e.g. the county statistical yearbook 2023."),
    )
    values = forms.CharField(
        label=_("Values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One year per line: YEAR: INDEX, e.g. 2020: 102.5."),
    )
    file = forms.FileField(
        label=_("Or a table (.csv in UTF-8 or GB18030, or .xlsx) with columns year and cpi"),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("values") or "").strip() and not data.get("file"):
            self.add_error("values", _("Type the values or upload a file."))
        return data


def cpi_choices(county: County) -> list[tuple[str, str]]:
    """The shipped national rural CPI, then the county's own tables."""
    return [(NATIONAL_RURAL, _("national rural CPI shipped with countyhub (NBS)"))] + [
        (f"county:{series.pk}", _("county CPI: %(name)s") % {"name": series.name})
        for series in CPISeries.objects.filter(county=county)
    ]


def cpi_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Deflate with"),
        required=False,
        initial=NATIONAL_RURAL,
        help_text=_(
            "The county's own CPI table, or the national rural CPI shipped with countyhub."
        ),
    )


POVERTY_LINES = [
    ("official", _("official line table")),
    ("cpi_indexed", _("2,300 yuan of 2010 indexed by the CPI (not official)")),
]


class BeforeAfterForm(forms.Form):
    id_column = forms.ChoiceField(label=_("Household id column"))
    pairs = forms.CharField(
        label=_("Measures"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: NAME=BEFORE_COLUMN:AFTER_COLUMN, e.g. income=income_2020:income_2022."
        ),
    )
    money = forms.CharField(
        label=_("Money measures to deflate"),
        required=False,
        help_text=_("Measure names, comma-separated."),
    )
    year_before = forms.IntegerField(label=_("Year before"), required=False)
    year_after = forms.IntegerField(label=_("Year after"), required=False)
    base_year = forms.IntegerField(label=_("Prices of the year"), required=False)
    poverty = forms.CharField(
        label=_("Per-capita income measure for the poverty line"), required=False
    )
    poverty_line = forms.ChoiceField(
        label=_("Poverty line"), choices=POVERTY_LINES, initial="official"
    )
    cpi = cpi_field()

    def __init__(self, *args: Any, dataset: Dataset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_column"].choices = [(c, c) for c in dataset.columns]
        self.fields["cpi"].choices = cpi_choices(dataset.county)

    def clean_pairs(self) -> dict[str, list[str]]:
        pairs: dict[str, list[str]] = {}
        for number, raw in enumerate(self.cleaned_data["pairs"].splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            name, equals, columns = line.partition("=")
            parts = [part.strip() for part in columns.split(":")]
            if not equals or not name.strip() or len(parts) != 2 or not all(parts):
                raise forms.ValidationError(
                    _("Line %(line)d: write NAME=BEFORE_COLUMN:AFTER_COLUMN.") % {"line": number}
                )
            pairs[name.strip()] = parts
        if not pairs:
            raise forms.ValidationError(_("Name at least one measure."))
        return pairs

    def clean_money(self) -> list[str]:
        return _names(self.cleaned_data["money"])

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "id": data["id_column"],
            "pairs": data["pairs"],
            "money": data["money"],
            "year_before": data["year_before"],
            "year_after": data["year_after"],
            "base_year": data["base_year"],
            "poverty": data["poverty"].strip(),
            "poverty_line": data["poverty_line"],
            "cpi": data["cpi"] or NATIONAL_RURAL,
            "confidence": 0.95,
        }


class WaveBeforeAfterForm(forms.Form):
    """Two waves of one survey paired by household, and the money questions to compare."""

    wave = forms.ModelChoiceField(label=_("Wave before"), queryset=Wave.objects.none())
    wave_after = forms.ModelChoiceField(label=_("Wave after"), queryset=Wave.objects.none())
    money = forms.MultipleChoiceField(
        label=_("Money questions"), widget=forms.CheckboxSelectMultiple
    )
    base_year = forms.IntegerField(
        label=_("Prices of the year"),
        required=False,
        help_text=_("Blank: the year of the wave after."),
    )
    cpi = cpi_field()
    poverty = forms.ChoiceField(
        label=_("Per-capita income question for the poverty line"),
        required=False,
        help_text=_("Blank: no poverty shares. It must be one of the money questions chosen."),
    )
    poverty_line = forms.ChoiceField(
        label=_("Poverty line"), choices=POVERTY_LINES, initial="official", required=False
    )

    def __init__(self, *args: Any, wave: Wave, money_years: dict[str, int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        waves = Wave.objects.filter(survey=wave.survey).order_by("year", "label")
        self.fields["wave"].queryset = waves
        self.fields["wave_after"].queryset = waves
        self.fields["money"].choices = [(q, f"{q} ({y})") for q, y in money_years.items()]
        self.fields["poverty"].choices = [("", "—"), *((q, q) for q in money_years)]
        self.fields["cpi"].choices = cpi_choices(wave.survey.county)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        poverty = data.get("poverty")
        if poverty and poverty not in (data.get("money") or []):
            self.add_error("poverty", _("Choose it among the money questions too."))
        return data
