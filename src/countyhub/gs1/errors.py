"""Errors of the GS1 library; each message names the offending part of the input."""

from __future__ import annotations

from dataclasses import dataclass


class GS1Error(ValueError):
    """Base class: the input breaks a GS1 rule; the message says which and where."""


class GS1KeyError(GS1Error):
    """A GTIN, lot, serial, EPC URI or RFID tag value is invalid."""


class UnknownCompanyPrefixError(GS1KeyError):
    """The length of a GTIN's GS1 company prefix is neither given nor in GS1's table."""


class DigitalLinkError(GS1Error):
    """A GS1 Digital Link URI is invalid; `part` is the offending path segment or query key."""

    def __init__(self, message: str, *, part: str | None = None) -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class Problem:
    """One problem of an EPCIS document: event index (None: the document), field path, message."""

    index: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = "document" if self.index is None else f"event {self.index}"
        return f"{where}, {self.field or '(root)'}: {self.message}"


class EPCISValidationError(GS1Error):
    """An EPCIS document is invalid; `problems` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = [str(problem) for problem in problems]
        super().__init__(f"{len(problems)} problem(s) in the EPCIS document:\n" + "\n".join(lines))
