"""A quantity with its unit, in the page's language: "1 box", "2 boxes", "1.5 kg"; "2箱".

English has a singular and a plural; Chinese one form (its catalogue has nplurals=1). The units
are the catalog's (`Unit`) plus the gram and litre that trace events measure in."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import npgettext

from countyhub.catalog.models import Unit
from countyhub.core.numbers import plain_number

GRAM = "g"
LITRE = "litre"

_PHRASES: dict[str, Callable[[int], str]] = {
    Unit.KILOGRAM: lambda n: npgettext("quantity", "%(quantity)s kg", "%(quantity)s kg", n),
    Unit.JIN: lambda n: npgettext("quantity", "%(quantity)s jin", "%(quantity)s jin", n),
    Unit.PIECE: lambda n: npgettext("quantity", "%(quantity)s piece", "%(quantity)s pieces", n),
    Unit.BOX: lambda n: npgettext("quantity", "%(quantity)s box", "%(quantity)s boxes", n),
    Unit.BAG: lambda n: npgettext("quantity", "%(quantity)s bag", "%(quantity)s bags", n),
    Unit.BOTTLE: lambda n: npgettext("quantity", "%(quantity)s bottle", "%(quantity)s bottles", n),
    GRAM: lambda n: npgettext("quantity", "%(quantity)s g", "%(quantity)s g", n),
    LITRE: lambda n: npgettext("quantity", "%(quantity)s litre", "%(quantity)s litres", n),
}


def _plural_count(quantity: Decimal) -> int:
    # gettext chooses the form from an integer; a fraction takes English's plural (1.5 boxes),
    # never its singular, whatever it rounds to.
    whole = quantity.to_integral_value()
    return int(whole) if whole == quantity else 2


def quantity_with_unit(quantity: Decimal | int | float | str, unit: str) -> str:
    """`2 boxes`; an unknown unit (say, one an order line kept from before) as `2 <unit>`."""
    amount = Decimal(str(quantity))
    number = plain_number(amount)
    phrase = _PHRASES.get(unit)
    if phrase is None:
        return f"{number} {unit}".strip()
    return phrase(_plural_count(amount)) % {"quantity": number}
