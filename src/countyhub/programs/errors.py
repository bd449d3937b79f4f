"""Errors of the programs services; each names the field at fault, for forms and pages."""

from __future__ import annotations

from enum import Enum


class ProgramsErrorCode(Enum):
    INVALID = "invalid"
    OVER_BUDGET = "over_budget"
    SAME_PERSON = "same_person"
    INVALID_TRANSITION = "invalid_transition"


class ProgramsError(Exception):
    code = ProgramsErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class OverBudgetError(ProgramsError):
    code = ProgramsErrorCode.OVER_BUDGET


class MakerCheckerError(ProgramsError):
    code = ProgramsErrorCode.SAME_PERSON


class InvalidTransitionError(ProgramsError):
    code = ProgramsErrorCode.INVALID_TRANSITION
