"""Forms of the training pages."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from countyhub.catalog.models import HouseholdMember
from countyhub.core.models import County
from countyhub.training.models import Course, Session


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = ("title", "title_en", "syllabus", "hours")


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ("date", "place", "trainer", "capacity")
        widgets: ClassVar = {"date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, trainers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trainer"].queryset = trainers


class MemberChoiceField(forms.ModelChoiceField):
    """Namesakes are common in a village: each member shows with their household and village."""

    def label_from_instance(self, obj: HouseholdMember) -> str:
        household = obj.household
        relation = f"（{obj.relation}）" if obj.relation else ""
        return _("%(name)s%(relation)s · household of %(head)s · %(village)s") % {
            "name": obj.name,
            "relation": relation,
            "head": household.head_name,
            "village": household.village.name,
        }


class EnrollForm(forms.Form):
    username = forms.CharField(label=_("seller staff (user name)"), required=False)
    full_name = forms.CharField(
        label=_("full name"),
        max_length=100,
        required=False,
        help_text=_(
            "The trainee's real name, printed on the certificate (needed for seller staff "
            "whose account has no name; a household member's registered name is used)."
        ),
    )
    member = MemberChoiceField(
        HouseholdMember.objects.none(), label=_("household member"), required=False
    )

    def __init__(self, *args, county: County, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = (
            HouseholdMember.objects.filter(household__county=county)
            .select_related("household__village")
            .order_by("household__village__name", "household__head_name", "name", "pk")
        )

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if not name:
            return None
        user = get_user_model().objects.filter(username=name).first()
        if user is None:
            raise forms.ValidationError(_("No user named “%(name)s”.") % {"name": name})
        return user

    def clean(self):
        data = super().clean()
        if "username" in self.errors:
            return data
        if bool(data.get("username")) == bool(data.get("member")):
            raise forms.ValidationError(
                _("Give either a user name or a household member, not both.")
            )
        return data
