from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

from countyhub.core.throttle import clear_login_failures, login_blocked, record_login_failure


class ThrottledAuthenticationForm(AuthenticationForm):
    """Five wrong passwords for one username from one address lock it out for 15 minutes."""

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if login_blocked(username=username, address=address):
            raise forms.ValidationError(
                _("Too many failed log-ins; try again in 15 minutes."), code="throttled"
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_login_failure(username=username, address=address)
            raise
        clear_login_failures(username=username, address=address)
        return cleaned


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("E-mail"), required=True)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
