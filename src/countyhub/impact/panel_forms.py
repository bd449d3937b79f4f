"""The choices of a program evaluation run: units, rollout, outcome, comparison group,
covariates and the estimator they are used with."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from countyhub.impact.models import (
    ComparisonGroup,
    EstimationMethod,
    EvaluationLevel,
    Indicator,
    Rollout,
)

VILLAGE_OUTCOME_LABELS = {
    "platform_sales": _("Platform sales of the village's sellers (yuan)"),
    "poor_platform_income": _("Registered-poor households' platform income (yuan)"),
    "poor_households": _("Registered-poor households on the register"),
    "trained_people": _("People trained in the year"),
}

# The covariates impact.panels builds, each fixed within a unit (see its module doc).
VILLAGE_COVARIATE_LABELS = {
    "households": _("Number of households (as recorded now)"),
    "poor_share": _("Share of households ever on the poverty register"),
    "township": _("Township (an indicator for each but the first)"),
    "base_platform_sales": _("Platform sales in the panel's first year (yuan)"),
    "base_poor_platform_income": _(
        "Registered-poor households' platform income in the panel's first year (yuan)"
    ),
    "base_poor_households": _("Registered-poor households in the panel's first year"),
    "base_trained_people": _("People trained in the panel's first year"),
}
COUNTY_COVARIATE_LABELS = {
    f"base_{code}": format_lazy(_("{indicator} in the panel's first year"), indicator=label)
    for code, label in Indicator.choices
}


def covariate_label(column: str) -> str:
    """A covariate by its name on the form, or a panel column by its covariate's name."""
    if column.startswith("township_"):
        column = "township"
    label = VILLAGE_COVARIATE_LABELS.get(column) or COUNTY_COVARIATE_LABELS.get(column)
    return str(label) if label is not None else column


def covariates_label(columns: list[str]) -> str:
    """The covariates of a run, each once (the township indicators are one covariate)."""
    return "; ".join(dict.fromkeys(covariate_label(c) for c in columns))


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
    covariates = forms.MultipleChoiceField(
        label=_("Covariates"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (_("Villages"), list(VILLAGE_COVARIATE_LABELS.items())),
            (_("Counties (yearbook figures)"), list(COUNTY_COVARIATE_LABELS.items())),
        ],
        help_text=_(
            "Optional: characteristics fixed before treatment that may explain different "
            "trends; the comparison is then made between units alike in them."
        ),
    )
    method = forms.ChoiceField(
        label=_("Estimation method (with covariates)"),
        required=False,
        choices=EstimationMethod.choices,
        initial=EstimationMethod.DOUBLY_ROBUST,
        help_text=_(
            "Doubly robust (the default, as R did) is right if either the outcome regression "
            "or the propensity score is; without covariates all three give the same estimate."
        ),
    )

    def clean_method(self) -> str:
        return self.cleaned_data["method"] or EstimationMethod.DOUBLY_ROBUST
