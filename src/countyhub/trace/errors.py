"""Errors the trace services raise; each has a code and names the field at fault."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind
from countyhub.gs1.errors import Problem


class TraceErrorCode(ErrorCode):
    REQUIRED = ("required", ErrorKind.INVALID)
    NOT_POSITIVE = ("not_positive", ErrorKind.INVALID)
    OUT_OF_RANGE = ("out_of_range", ErrorKind.INVALID)
    DUPLICATE = ("duplicate", ErrorKind.INVALID)
    INVALID_TIME = ("invalid_time", ErrorKind.INVALID)
    INVALID_IDENTIFIER = ("invalid_identifier", ErrorKind.INVALID)
    INVALID_QUANTITY = ("invalid_quantity", ErrorKind.INVALID)
    INVALID_CORRECTION = ("invalid_correction", ErrorKind.INVALID)
    UNKNOWN_REASON = ("unknown_reason", ErrorKind.INVALID)
    OTHER_COUNTY = ("other_county", ErrorKind.INVALID)
    NOT_A_CASE = ("not_a_case", ErrorKind.INVALID)
    PRE_HARVEST_INTERVAL = ("pre_harvest_interval", ErrorKind.INVALID)
    OUT_OF_ORDER = ("out_of_order", ErrorKind.INVALID)
    STEP_NOT_FOR_PRODUCT = ("step_not_for_product", ErrorKind.INVALID)
    DUPLICATE_LOT = ("duplicate_lot", ErrorKind.CONFLICT)
    ALREADY_PACKED = ("already_packed", ErrorKind.CONFLICT)
    NOT_ENOUGH_LEFT = ("not_enough_left", ErrorKind.CONFLICT)
    INVALID_TRANSITION = ("invalid_transition", ErrorKind.CONFLICT)
    NO_DIVISION_CODE = ("no_division_code", ErrorKind.CONFLICT)
    INVALID_DOCUMENT = ("invalid_document", ErrorKind.UNPROCESSABLE)


class TraceError(DomainError):
    code: TraceErrorCode


class DocumentRejectedError(TraceError):
    """An EPCIS document was refused whole; `problems` names every event index and field."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            TraceErrorCode.INVALID_DOCUMENT,
            _("%(count)d problem(s); nothing was imported") % {"count": len(problems)},
            field=problems[0].field or "document",
        )
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"problems": problem_list(self.problems)}


def problem_list(problems: list[Problem]) -> list[dict[str, Any]]:
    """Problems of an EPCIS document as the API and an import job's result list them."""
    return [{"index": p.index, "field": p.field, "message": p.message} for p in problems]
