"""GTIN check digits (python-stdnum), GS1 company prefix lengths, and quantities that respect the
product's unit."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import ean
from stdnum.exceptions import ValidationError as StdnumError

from countyhub.gs1 import keys
from countyhub.gs1.errors import GS1KeyError

GTIN_LENGTHS = (8, 12, 13, 14)
QUANTITY_PLACES = 3
# An order line holds at most 12 digits, 3 of them decimals (OrderLine.quantity).
MAX_QUANTITY = Decimal("999999999.999")
# A head of household born before this year would be past 125; younger than the legal
# working age (16) is a typing slip rather than a head.
EARLIEST_HEAD_BIRTH_YEAR = 1900
YOUNGEST_HEAD_AGE = 16


def latest_head_birth_year() -> int:
    return timezone.localdate().year - YOUNGEST_HEAD_AGE


def validate_head_birth_year(value: int) -> None:
    latest = latest_head_birth_year()
    if not EARLIEST_HEAD_BIRTH_YEAR <= value <= latest:
        raise ValidationError(
            _("The head's birth year must be between %(earliest)d and %(latest)d.")
            % {"earliest": EARLIEST_HEAD_BIRTH_YEAR, "latest": latest},
            code="head_birth_year",
        )


def validate_gtin(value: str) -> None:
    digits = value.strip()
    if not digits.isdigit() or len(digits) not in GTIN_LENGTHS:
        raise ValidationError(_("A GTIN has 8, 12, 13 or 14 digits."), code="gtin_format")
    try:
        ean.validate(digits)
    except StdnumError as error:
        raise ValidationError(_("The GTIN check digit is wrong."), code="gtin_check") from error


def company_prefix_length_error(gtin: str, length: int | None) -> str | None:
    """Why `length` cannot be the GS1 company prefix length of `gtin`, or None when it can.

    A wrong GTIN is reported on the GTIN itself, so it is not judged here.
    """
    if length is None:
        return None
    if not gtin:
        return _("Only a product with a GTIN has a GS1 company prefix; enter the GTIN first.")
    try:
        validate_gtin(gtin)
    except ValidationError:
        return None
    try:
        keys.check_company_prefix_length(gtin.strip(), length)
    except GS1KeyError as error:
        return _("This length does not fit the GTIN: %(reason)s") % {"reason": error}
    return None


def parse_quantity(raw: object, *, decimal_allowed: bool) -> Decimal:
    """A positive quantity; whole numbers unless the unit is sold by weight."""
    try:
        quantity = Decimal(str(raw).strip())
    except InvalidOperation as error:
        raise ValidationError(_("Quantity must be a number."), code="quantity_format") from error
    if not quantity.is_finite():
        raise ValidationError(_("Quantity must be a number."), code="quantity_format")
    if quantity <= 0:
        raise ValidationError(_("Quantity must be more than zero."), code="quantity_positive")
    # Checked before the places: quantizing a 30-digit number overflows Decimal's precision.
    if quantity > MAX_QUANTITY:
        raise ValidationError(
            _("Quantity must be a number up to %(max)s.") % {"max": "999999999.999"},
            code="quantity_max",
        )
    if quantity != quantity.quantize(Decimal(1).scaleb(-QUANTITY_PLACES)):
        raise ValidationError(
            _("Quantity has at most three decimal places."), code="quantity_places"
        )
    if not decimal_allowed and quantity != quantity.to_integral_value():
        raise ValidationError(_("This product is sold in whole units."), code="quantity_whole")
    return quantity
