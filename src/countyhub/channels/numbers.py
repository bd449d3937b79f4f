"""Platform order numbers as typed, and as spreadsheet programs mangle them.

Taobao's order numbers are 19-digit strings. Opened in Excel or WPS they become numbers: a double
keeps 15 significant digits, so the cell shows `1.23457E+18` and the last digits are gone for
good; a shorter number may come back as `123456.0`. Exports also guard the text with `="..."`,
a leading apostrophe or a tab. What can be read back exactly is; what lost digits is refused,
naming what to do.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

MAX_LENGTH = 64
# A double holds every integer of up to 15 digits exactly.
EXACT_FLOAT_DIGITS = 15

_GUARDED = re.compile(r'^="(.*)"$')
_PLAIN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?[eE][+]?\d+$")
_FLOAT = re.compile(r"^(\d+)\.0+$")


class OrderNumberError(ValueError):
    pass


def clean_order_number(text: str) -> tuple[str, bool]:
    """The order number in `text`, and whether it had to be recovered from a float.

    Raises OrderNumberError with a message for the person when it cannot be read exactly.
    """
    value = text.strip().replace("\t", "")
    guarded = _GUARDED.match(value)
    if guarded:
        value = guarded.group(1).strip()
    value = value.lstrip("'").strip()
    if not value:
        raise OrderNumberError(_("The order number is missing."))
    if _SCIENTIFIC.match(value):
        raise OrderNumberError(
            _(
                "The order number %(value)s was turned into a number by a spreadsheet program "
                "and its last digits are lost: export the orders again from the platform and "
                "import that file as it is, or format the column as text before saving."
            )
            % {"value": value}
        )
    as_float = _FLOAT.match(value)
    if as_float:
        digits = as_float.group(1)
        if len(digits) > EXACT_FLOAT_DIGITS:
            raise OrderNumberError(
                _(
                    "The order number %(value)s was turned into a number by a spreadsheet "
                    "program and may have lost its last digits: export the orders again and "
                    "import that file as it is."
                )
                % {"value": value}
            )
        return digits, True
    if len(value) > MAX_LENGTH or not _PLAIN.match(value):
        raise OrderNumberError(
            _("%(value)s is no order number: digits and letters, up to %(n)d.")
            % {"value": value[:80], "n": MAX_LENGTH}
        )
    return value, False
