"""HS codes as China's customs takes them: a 10-digit commodity code (海关商品编码, the `gcode`
of the export list), optionally followed by a 3-digit CIQ code (检验检疫编码) as 13 digits.

Printed forms vary (`0902.2090.00`, `09022090.00`, `0902 2090 00`): separators are dropped. A
code that has lost its leading zero to a spreadsheet (`902209000`, or `409000000.0`) is refused
with that reason, never padded: `902209000` could as well be a truncated `9022090001`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from countyhub.customs.errors import HSCodeError

_SEPARATORS = re.compile(r"[\s.\-/]")
# A number a spreadsheet wrote back: 9 or 12 digits, maybe with a trailing ".0".
_FLOAT_TAIL = re.compile(r"^\d+\.0+$")


@dataclass(frozen=True)
class HSCode:
    code: str  # 10 digits
    ciq: str = ""  # 3 digits or empty

    @property
    def chapter(self) -> str:
        return self.code[:2]

    @property
    def heading(self) -> str:
        return self.code[:4]

    @property
    def hs6(self) -> str:
        return self.code[:6]

    @property
    def full(self) -> str:
        """The 10 digits and the CIQ code, as the product's record in the customs system."""
        return self.code + self.ciq

    def __str__(self) -> str:
        return self.full


def parse_hs(raw: str) -> HSCode:
    """Normalise a commodity code (10 digits, optionally + 3 CIQ digits) or raise HSCodeError."""
    text = (raw or "").strip()
    if not text:
        raise HSCodeError("the HS code is empty")
    if _FLOAT_TAIL.match(text) and len(text.split(".")[0]) in (9, 12):
        raise HSCodeError(
            f"{raw!r} looks like a number a spreadsheet wrote back (its leading zero lost); "
            "enter the code as text, e.g. 0409000000"
        )
    digits = _SEPARATORS.sub("", text)
    if not digits.isdigit() or not digits.isascii():
        raise HSCodeError(f"{raw!r} has characters other than digits and separators")
    if len(digits) in (9, 12):
        raise HSCodeError(
            f"{raw!r} has {len(digits)} digits: a leading zero was probably lost in a "
            "spreadsheet; enter the full 10-digit code (13 with the CIQ code) as text"
        )
    if len(digits) not in (10, 13):
        raise HSCodeError(
            f"{raw!r} has {len(digits)} digits; a China commodity code has 10 "
            "(13 with the 3-digit CIQ code)"
        )
    chapter = int(digits[:2])
    if not 1 <= chapter <= 97 or chapter == 77:
        raise HSCodeError(
            f"{raw!r}: chapter {digits[:2]} does not exist (chapters are 01–97, 77 is reserved)"
        )
    return HSCode(digits[:10], digits[10:])


def normalise_hs(raw: str) -> str:
    """`0902.2090.00` → `0902209000` (and 13 digits when a CIQ code is given)."""
    return parse_hs(raw).full
