"""Errors the channels' services raise; each has a code and names the field at fault."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class ChannelErrorCode(ErrorCode):
    AMBIGUOUS_CHANNEL = ("ambiguous_channel", ErrorKind.INVALID)
    BAD_FILE = ("bad_file", ErrorKind.INVALID)
    BAD_ORDERS = ("bad_orders", ErrorKind.UNPROCESSABLE)
    MISSING_RATE = ("missing_rate", ErrorKind.CONFLICT)
    NOT_LISTABLE = ("not_listable", ErrorKind.CONFLICT)


class ChannelError(DomainError):
    code: ChannelErrorCode


class NotListableError(ChannelError):
    """The product lacks what the channel needs (each gap in words)."""

    def __init__(self, message: str, *, gaps: list[str]) -> None:
        super().__init__(ChannelErrorCode.NOT_LISTABLE, message, field="product")
        self.gaps = gaps

    def details(self) -> dict[str, Any]:
        return {"gaps": self.gaps}


@dataclass(frozen=True)
class Problem:
    """One bad row of a file (`position` = its row number, the header being row 1) or one bad
    order of an API request (`position` = its index), the field at fault and why."""

    position: int
    field: str
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"index": self.position, "field": self.field, "message": self.message}


class BadOrdersError(ChannelError):
    def __init__(self, message: str, *, problems: list[Problem]) -> None:
        super().__init__(ChannelErrorCode.BAD_ORDERS, message, field="orders")
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"errors": [problem.as_json() for problem in self.problems]}
