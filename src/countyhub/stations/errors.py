"""Errors of the stations services; each has a code and names the field at fault."""

from __future__ import annotations

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class StationsErrorCode(ErrorCode):
    REQUIRED = ("required", ErrorKind.INVALID)
    OUT_OF_RANGE = ("out_of_range", ErrorKind.INVALID)
    UNKNOWN_SERVICE = ("unknown_service", ErrorKind.INVALID)


class StationsError(DomainError):
    code: StationsErrorCode
