"""Errors the trace services raise; each names the field at fault, for forms and the API."""

from __future__ import annotations

from enum import Enum

from countyhub.gs1.errors import Problem


class TraceErrorCode(Enum):
    INVALID = "invalid"
    INVALID_DOCUMENT = "invalid_document"


class TraceError(Exception):
    code = TraceErrorCode.INVALID

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class DocumentRejectedError(TraceError):
    """An EPCIS document was refused whole; `problems` names every event index and field."""

    code = TraceErrorCode.INVALID_DOCUMENT

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported", field="document")
        self.problems = problems
