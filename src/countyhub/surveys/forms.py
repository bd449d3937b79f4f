"""Forms of the questionnaire editor; the rules of a question are the editor module's, whose
refusals come back on the field they name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from countyhub.surveys import editor


class DraftForm(forms.Form):
    form_id = forms.CharField(
        label=_("form id"),
        max_length=100,
        help_text=_("Letters, digits and _, beginning with a letter: e.g. household_2026."),
    )
    title = forms.CharField(label=_("title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("title (English)"), max_length=200, required=False)


class TitleForm(forms.Form):
    title = forms.CharField(label=_("title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("title (English)"), max_length=200, required=False)


class SectionForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    label_zh = forms.CharField(label=_("label (Chinese)"), max_length=200)
    label_en = forms.CharField(label=_("label (English)"), max_length=200, required=False)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=list(editor.KINDS.items()))
    name = forms.CharField(
        label=_("name"),
        max_length=100,
        help_text=_("The column of the answers: letters, digits and _, e.g. ec1."),
    )
    label_zh = forms.CharField(label=_("label (Chinese)"), widget=forms.Textarea(attrs={"rows": 2}))
    label_en = forms.CharField(
        label=_("label (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(label=_("an answer is required"), required=False, initial=True)
    section = forms.ChoiceField(label=_("section"), required=False)
    construct = forms.CharField(
        label=_("construct"),
        max_length=60,
        required=False,
        help_text=_("Items of one construct share this name, e.g. EC."),
    )
    reverse = forms.BooleanField(label=_("reverse-coded"), required=False)
    scale_min = forms.IntegerField(label=_("scale minimum"), required=False, initial=1)
    scale_max = forms.IntegerField(label=_("scale maximum"), required=False, initial=5)
    choices = forms.CharField(
        label=_("scale points or choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        initial=editor.choice_lines(editor.DEFAULT_LIKERT),
        help_text=_(
            "One a line: code | Chinese label | English label. For a Likert item or a single "
            "choice."
        ),
    )
    missing = forms.CharField(
        label=_("missing codes"),
        max_length=60,
        required=False,
        help_text=_(
            "Answers that mean no answer, e.g. -99 (a Likert or choice code needs a line above)."
        ),
    )
    money_year = forms.IntegerField(
        label=_("price year of the amount"), required=False, help_text=_("For an amount of money.")
    )
    household = forms.BooleanField(label=_("carries the household id"), required=False)
    household_income = forms.BooleanField(
        label=_("asks the household income"),
        required=False,
        help_text=_(
            "An amount of money: the household's total income of the price year, in yuan. The "
            "household income panel shows it beside the income the platform records."
        ),
    )

    def __init__(self, *args: Any, sections: list[dict[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["section"].choices = [("", _("(no section)"))] + [
            (s["name"], f"{s['name']} · {s['label_zh']}") for s in sections
        ]

    @staticmethod
    def initial_of(question: editor.EditedQuestion) -> dict[str, Any]:
        values = dict(vars(question))
        values["choices"] = editor.choice_lines(question.choices)
        return values

    def question(self) -> editor.EditedQuestion:
        """The edited question; raises editor.EditorError naming a field."""
        data = self.cleaned_data
        return editor.EditedQuestion(
            name=data["name"].strip(),
            kind=data["kind"],
            label_zh=data["label_zh"],
            label_en=data["label_en"],
            required=data["required"],
            section=data["section"] or "",
            construct=data["construct"].strip(),
            reverse=data["reverse"],
            missing=data["missing"],
            household=data["household"],
            household_income=data["household_income"],
            scale_min=data["scale_min"],
            scale_max=data["scale_max"],
            choices=editor.parse_choice_lines(data["choices"], "choices")
            if data["kind"] in {"likert", "single"}
            else [],
            money_year=data["money_year"],
        )
