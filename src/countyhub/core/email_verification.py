"""The links that prove a sign-up's address, and the e-mails that carry them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Like a password-reset link (signed, expiring after PASSWORD_RESET_TIMEOUT), but spent once
    the address is verified or changed."""

    key_salt = "countyhub.core.email_verification"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        address = user.email_address
        return f"{user.pk}{address.email}{address.verified_at}{timestamp}"


verification_tokens = EmailVerificationTokenGenerator()


def verification_link(request: HttpRequest, user: Any) -> str:
    path = reverse(
        "verify_email",
        args=[urlsafe_base64_encode(force_bytes(user.pk)), verification_tokens.make_token(user)],
    )
    return request.build_absolute_uri(path)


def user_for_link(uidb64: str, token: str) -> Any | None:
    try:
        user = get_user_model().objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, OverflowError, get_user_model().DoesNotExist):
        return None
    if not hasattr(user, "email_address") or not verification_tokens.check_token(user, token):
        return None
    return user


def send_after_commit(*, to: str, template: str, context: dict[str, Any]) -> None:
    """Send once the sign-up is saved: a rolled-back sign-up mails nobody."""
    subject = render_to_string(f"registration/{template}_subject.txt", context).strip()
    body = render_to_string(f"registration/{template}_email.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [to]))
