"""Errors of the training services; each has a code and names the field at fault."""

from __future__ import annotations

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class TrainingErrorCode(ErrorCode):
    ONE_TRAINEE = ("one_trainee", ErrorKind.INVALID)
    FULL_NAME_REQUIRED = ("full_name_required", ErrorKind.INVALID)
    OTHER_COUNTY = ("other_county", ErrorKind.INVALID)
    NOT_ENROLLED = ("not_enrolled", ErrorKind.INVALID)
    NOT_HELD_YET = ("not_held_yet", ErrorKind.CONFLICT)
    ALREADY_ENROLLED = ("already_enrolled", ErrorKind.CONFLICT)
    SEATS_TAKEN = ("seats_taken", ErrorKind.CONFLICT)
    INVALID_TRANSITION = ("invalid_transition", ErrorKind.CONFLICT)


class TrainingError(DomainError):
    code: TrainingErrorCode
