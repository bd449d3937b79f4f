"""Errors of the stations services; each names the field at fault, for forms and pages."""

from __future__ import annotations

from enum import Enum


class StationsErrorCode(Enum):
    INVALID = "invalid"


class StationsError(Exception):
    code = StationsErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
