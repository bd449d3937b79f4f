"""Errors of the after-sales services; each has a code and names the field at fault."""

from __future__ import annotations

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class AftersalesErrorCode(ErrorCode):
    FORBIDDEN = ("forbidden", ErrorKind.FORBIDDEN)
    REQUIRED = ("required", ErrorKind.INVALID)
    NO_LINES = ("no_lines", ErrorKind.INVALID)
    BAD_PHOTO = ("bad_photo", ErrorKind.INVALID)
    NOT_REFUNDABLE = ("not_refundable", ErrorKind.CONFLICT)
    ALREADY_OPEN = ("already_open", ErrorKind.CONFLICT)
    INVALID_TRANSITION = ("invalid_transition", ErrorKind.CONFLICT)


class AftersalesError(DomainError):
    code: AftersalesErrorCode
