"""Forms of the programs back office; the services do the checking that needs the database."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from countyhub.core.models import County, Village
from countyhub.core.months import parse_month
from countyhub.programs.models import (
    BudgetLine,
    IncentiveRule,
    Kpi,
    Program,
    Task,
    TaskStatus,
)
from countyhub.stations.models import StationService


class DateInput(forms.DateInput):
    input_type = "date"


class SpendingForm(forms.Form):
    budget_line = forms.ModelChoiceField(BudgetLine.objects.none(), label=_("budget line"))
    date = forms.DateField(label=_("date"), widget=DateInput)
    payee = forms.CharField(label=_("payee"), max_length=200)
    amount = forms.DecimalField(label=_("amount"), max_digits=14, decimal_places=2, min_value=0)
    description = forms.CharField(label=_("description"), max_length=300, required=False)
    evidence = forms.FileField(label=_("evidence document"))

    def __init__(self, *args, county: County, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget_line"].queryset = BudgetLine.objects.filter(
            program__county=county
        ).select_related("program")


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ("program", "title", "department", "owner", "deadline")
        widgets: ClassVar = {"deadline": DateInput}

    def __init__(self, *args, county: County, owners, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = county.program_set.all()
        self.fields["owner"].queryset = owners


class TaskNoteForm(forms.Form):
    text = forms.CharField(label=_("progress note"), widget=forms.Textarea(attrs={"rows": 3}))
    status = forms.ChoiceField(
        label=_("status"), choices=[("", "—"), *TaskStatus.choices], required=False
    )
    evidence = forms.FileField(label=_("evidence"), required=False)


# What a county sets on an incentive rule, on the rules page and in the admin alike.
RULE_FIELDS = (
    "name",
    "kind",
    "budget_line",
    "valid_from",
    "valid_until",
    "amount",
    "percent",
    "threshold",
    "cap",
    "order_count",
    "active",
)


class RuleForm(forms.ModelForm):
    class Meta:
        model = IncentiveRule
        fields = RULE_FIELDS
        widgets: ClassVar = {"valid_from": DateInput, "valid_until": DateInput}

    def __init__(self, *args, county: County, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.county = county
        self.fields["budget_line"].queryset = BudgetLine.objects.filter(program__county=county)


class MonthField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except ValueError as error:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from error


class EvaluateForm(forms.Form):
    period = MonthField(label=_("month"), widget=forms.TextInput(attrs={"type": "month"}))


class StationForm(forms.Form):
    village = forms.ModelChoiceField(Village.objects.none(), label=_("village"))
    operator_name = forms.CharField(label=_("operator"), max_length=100)
    address = forms.CharField(label=_("address"), max_length=200)
    opening_hours = forms.CharField(label=_("opening hours"), max_length=100)
    services = forms.MultipleChoiceField(
        label=_("services"),
        choices=StationService.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    latitude = forms.DecimalField(
        label=_("latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("longitude"), max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )
    active = forms.BooleanField(
        label=pgettext_lazy("station", "active"), required=False, initial=True
    )

    def __init__(self, *args, county: County, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Village.objects.filter(county=county)


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = (
            "name",
            "level",
            "designation_year",
            "central_funds",
            "local_matching",
            "agricultural_categories",
        )

    def __init__(self, *args, county: County, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.county = county
        self.fields["agricultural_categories"].queryset = county.category_set.all()
        self.fields["agricultural_categories"].required = False


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ("program", "name", "kind", "amount")

    def __init__(self, *args, county: County, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = county.program_set.all()


class TargetsForm(forms.Form):
    """One optional target per KPI for a year; an empty field removes the target."""

    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kpi in Kpi:
            self.fields[kpi.value] = forms.DecimalField(
                label=kpi.label, max_digits=16, decimal_places=2, min_value=0, required=False
            )
