"""Errors of the cross-border services; each has a code and names the field at fault."""

from __future__ import annotations

from typing import Any

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class CrossborderErrorCode(ErrorCode):
    MISSING_RATE = ("missing_rate", ErrorKind.CONFLICT)
    BAD_FILE = ("bad_file", ErrorKind.UNPROCESSABLE)
    TRADE_DATA_INCOMPLETE = ("trade_data_incomplete", ErrorKind.CONFLICT)
    DECLARATION_INVALID = ("declaration_invalid", ErrorKind.INVALID)
    ALREADY_EXPORTED = ("already_exported", ErrorKind.CONFLICT)
    LOGISTICS_NO_REUSED = ("logistics_no_reused", ErrorKind.CONFLICT)
    UNKNOWN_RECEIPT = ("unknown_receipt", ErrorKind.UNPROCESSABLE)
    OTHER_COUNTY = ("other_county", ErrorKind.INVALID)


class CrossborderError(DomainError):
    code: CrossborderErrorCode

    def __init__(
        self,
        code: CrossborderErrorCode,
        message: str,
        *,
        field: str | None = None,
        problems: list[str] | None = None,
    ) -> None:
        super().__init__(code, message, field=field)
        self.problems = problems or []

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems} if self.problems else {}
