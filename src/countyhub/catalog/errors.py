"""Errors the catalog's services raise; each has a code and names the field at fault.

Model `clean()` and field validators (validators.py) raise Django's `ValidationError`, the
contract of forms and `full_clean()`; services raise `CatalogError`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from countyhub.core.errors import DomainError, ErrorCode, ErrorKind


class CatalogErrorCode(ErrorCode):
    NOT_POSITIVE = ("not_positive", ErrorKind.INVALID)
    STOCK_BELOW_ALLOCATED = ("stock_below_allocated", ErrorKind.INVALID)
    DUPLICATE_HOUSEHOLD = ("duplicate_household", ErrorKind.CONFLICT)
    IMPORT_REJECTED = ("import_rejected", ErrorKind.UNPROCESSABLE)
    TOO_MANY_PICTURES = ("too_many_pictures", ErrorKind.CONFLICT)
    PICTURES_CHANGED = ("pictures_changed", ErrorKind.CONFLICT)
    SELLER_INACTIVE = ("seller_inactive", ErrorKind.CONFLICT)


class CatalogError(DomainError):
    code: CatalogErrorCode


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return _("row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


class ImportRejectedError(CatalogError):
    """A product file was refused whole; `errors` names every row and column at fault."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            CatalogErrorCode.IMPORT_REJECTED, "; ".join(str(e) for e in errors[:5]), field="file"
        )
        self.errors = errors
