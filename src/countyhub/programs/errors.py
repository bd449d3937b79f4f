"""Errors of the programs services; each has a code and names the field at fault."""

from __future__ import annotations

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class ProgramsErrorCode(ErrorCode):
    FORBIDDEN = ("forbidden", ErrorKind.FORBIDDEN)
    SAME_PERSON = ("same_person", ErrorKind.FORBIDDEN)
    REQUIRED = ("required", ErrorKind.INVALID)
    NOT_POSITIVE = ("not_positive", ErrorKind.INVALID)
    BAD_DOCUMENT = ("bad_document", ErrorKind.INVALID)
    MONTH_NOT_STARTED = ("month_not_started", ErrorKind.INVALID)
    OVER_BUDGET = ("over_budget", ErrorKind.CONFLICT)
    PAID_OUT = ("paid_out", ErrorKind.CONFLICT)
    STALE_RUN = ("stale_run", ErrorKind.CONFLICT)
    INVALID_TRANSITION = ("invalid_transition", ErrorKind.CONFLICT)


class ProgramsError(DomainError):
    code: ProgramsErrorCode


class InvalidTransitionError(ProgramsError):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(ProgramsErrorCode.INVALID_TRANSITION, message, field=field)
