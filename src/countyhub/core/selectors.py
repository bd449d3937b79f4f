"""Queries about people: whether a buyer proved their address, which API tokens they hold."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from countyhub.core.models import ApiToken, EmailAddress


def email_verified(user: Any) -> bool:
    """Accounts made by staff have no EmailAddress row and count as verified. The row is read
    through the user (the API's token look-up has joined it already)."""
    try:
        address = user.email_address
    except EmailAddress.DoesNotExist:
        return True
    return address.verified_at is not None


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")
