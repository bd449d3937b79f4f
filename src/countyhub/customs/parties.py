"""Codes of the trade parties in a declaration: a 10-character customs registration code (海关
注册编码) or an 18-character unified social credit code (统一社会信用代码, GB 32100, whose last
character is a check digit); "无" for a foreign platform without either (9710 and 9810 only)."""

from __future__ import annotations

import re

from countyhub.customs.errors import PartyCodeError

NO_CODE = "无"
# Customs registration code: 4-digit administrative area, then 6 letters or digits.
_CUSTOMS_CODE = re.compile(r"^\d{4}[0-9A-Z]{6}$")


def validate_uscc(code: str) -> str:
    """The code without spaces or dashes, upper-cased; PartyCodeError naming what is wrong."""
    from stdnum import exceptions  # lazy: see countyhub.customs
    from stdnum.cn import uscc

    compact = uscc.compact(code)
    try:
        return uscc.validate(compact)
    except exceptions.InvalidLength as error:
        raise PartyCodeError(
            f"unified social credit code {code!r} has {len(compact)} characters, not 18"
        ) from error
    except exceptions.InvalidChecksum as error:
        raise PartyCodeError(
            f"unified social credit code {code!r}: the check character should be "
            f"{uscc.calc_check_digit(compact[:17])!r}, not {compact[-1]!r}"
        ) from error
    except exceptions.ValidationError as error:
        raise PartyCodeError(
            f"unified social credit code {code!r}: the first 8 characters must be digits and "
            "the others digits or capital letters other than I, O, Z, S and V"
        ) from error


def validate_customs_code(code: str) -> str:
    text = code.strip().upper()
    if len(text) != 10:
        raise PartyCodeError(f"customs code {code!r} has {len(text)} characters, not 10")
    if not _CUSTOMS_CODE.match(text):
        raise PartyCodeError(
            f"customs code {code!r}: 4 digits (the area) then 6 digits or capital letters"
        )
    return text


def validate_party_code(code: str, *, allow_no_code: bool = False) -> str:
    """A customs code (10) or a USCC (18), normalised; "无" only where `allow_no_code`."""
    text = code.strip()
    if text == NO_CODE:
        if allow_no_code:
            return NO_CODE
        raise PartyCodeError('"无" (no code) is allowed only for a foreign platform in 9710/9810')
    compact = re.sub(r"[\s-]", "", text)
    if len(compact) == 18:
        return validate_uscc(compact)
    if len(compact) == 10:
        return validate_customs_code(compact)
    raise PartyCodeError(
        f"party code {code!r} has {len(compact)} characters: a customs code has 10, "
        "a unified social credit code 18"
    )
