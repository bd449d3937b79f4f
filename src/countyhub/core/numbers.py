"""Plain decimal text for people and JSON: `2`, `1.5`, `0.25`, never `2.000` or `1E+2`."""

from __future__ import annotations

from decimal import Decimal


def plain_number(value: Decimal | int | str) -> str:
    return format(Decimal(value).normalize(), "f")
