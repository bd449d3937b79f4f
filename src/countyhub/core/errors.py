"""The one error model of the domain: a service refuses with a `DomainError` that carries a
code (a member of its app's code enum), a message for the person (already translated), the
field at fault (for forms and the API) and, for some codes, extra data such as `shortages`.

Each app subclasses `DomainError` once (`ShopError`, `TraceError`, ...) and lists its codes in
an `ErrorCode` enum; each code says which `ErrorKind` of refusal it is, and the API maps the kind
to an HTTP status (countyhub.api.errors). Views turn the error into a form error on `field`.
Model `clean()` and field validators keep raising Django's `ValidationError`: that is Django's
contract at the form boundary."""

from __future__ import annotations

from enum import Enum
from typing import Any


class ErrorKind(Enum):
    """What sort of refusal a code is; the API answers each kind with one HTTP status."""

    INVALID = "invalid"  # the request breaks a rule of the domain
    FORBIDDEN = "forbidden"  # the actor may not do this
    NOT_FOUND = "not_found"  # what the request names does not exist (for this actor)
    CONFLICT = "conflict"  # the current state refuses it: stock short, stale, wrong status
    UNPROCESSABLE = "unprocessable"  # well formed, but cannot be taken as sent


class ErrorCode(Enum):
    """Base of the apps' code enums: a member is `NAME = ("code", ErrorKind.X)`; its value is
    the code clients read in the JSON body."""

    kind: ErrorKind

    def __new__(cls, code: str, kind: ErrorKind) -> ErrorCode:
        member = object.__new__(cls)
        member._value_ = code
        member.kind = kind
        return member


class DomainError(Exception):
    """A refusal of a service: `code`, translated `message`, the `field` at fault if any."""

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def details(self) -> dict[str, Any]:
        """Extra JSON-ready data a code brings along (shortages, problems); none by default."""
        return {}


class CoreErrorCode(ErrorCode):
    RECORD_KEPT = ("record_kept", ErrorKind.CONFLICT)


class RecordKeptError(DomainError):
    """A record the county keeps for good (audit log, order history, money, trace events) was
    about to be deleted: a correction is a new record, an order is cancelled."""
