"""The choices of a program evaluation run: units, rollout, outcome, comparison group."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from countyhub.impact.models import ComparisonGroup, EvaluationLevel, Indicator, Rollout

VILLAGE_OUTCOME_LABELS = {
    "platform_sales": _("Platform sales of the village's sellers (yuan)"),
    "poor_platform_income": _("Registered-poor households' platform income (yuan)"),
    "poor_households": _("Registered-poor households on the register"),
    "trained_people": _("People trained in the year"),
}


def outcome_label(code: str) -> str:
    if code in VILLAGE_OUTCOME_LABELS:
        return str(VILLAGE_OUTCOME_LABELS[code])
    return str(Indicator(code).label) if code in Indicator.values else code


class EvaluationForm(forms.Form):
    level = forms.ChoiceField(label=_("Units"), choices=EvaluationLevel.choices)
    rollout = forms.ChoiceField(
        label=_("Rollout (first year treated)"),
        choices=[c for c in Rollout.choices if c[0] != Rollout.DESIGNATION],
        help_text=_("Counties are always treated from their demonstration designation."),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (_("Villages"), list(VILLAGE_OUTCOME_LABELS.items())),
            (_("Counties (yearbook figures)"), Indicator.choices),
        ],
    )
    control = forms.ChoiceField(
        label=_("Comparison group"),
        choices=ComparisonGroup.choices,
        initial=ComparisonGroup.NOT_YET,
    )
