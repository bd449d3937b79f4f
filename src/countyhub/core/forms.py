from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, UserCreationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from countyhub.core import throttle


def wait_message(seconds: int) -> str:
    if seconds >= 120:
        minutes = (seconds + 59) // 60
        return ngettext(
            "Too many attempts; try again in %(count)d minute.",
            "Too many attempts; try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Too many attempts; try again in %(count)d second.",
        "Too many attempts; try again in %(count)d seconds.",
        seconds,
    ) % {"count": seconds}


class ThrottledAuthenticationForm(AuthenticationForm):
    """Log-in through the throttle: an attempt in its waiting time is refused before the password
    is even looked at, so waiting is the only way on."""

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        address = throttle.client_address(self.request) if self.request else ""
        trusted = bool(self.request) and throttle.is_trusted_device(self.request, username)
        verdict = throttle.check_login(username=username, address=address, trusted_device=trusted)
        if not verdict.allowed:
            raise forms.ValidationError(wait_message(verdict.wait_seconds), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_login_failure(username=username, address=address)
            raise
        throttle.record_login_success(username=username, address=address)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The admin's log-in (staff only) through the same throttle."""


class ThrottledPasswordResetForm(PasswordResetForm):
    """At most a few reset e-mails per address asked for and per client address an hour: the page
    must not become a way to flood someone's inbox."""

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]
        for scope, identity, limit in (
            ("reset-email", email.strip().lower(), 3),
            ("reset-address", throttle.client_address(self.request) if self.request else "", 20),
        ):
            verdict = throttle.allow_request(
                scope=scope, identity=identity, limit=limit, period_seconds=3600
            )
            if not verdict.allowed:
                raise forms.ValidationError(wait_message(verdict.wait_seconds), code="throttled")
        return email


class SignupForm(UserCreationForm):
    email = forms.EmailField(label=_("E-mail"), required=True)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
