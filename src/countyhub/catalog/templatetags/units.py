from decimal import Decimal
from typing import Any

from django import template

from countyhub.catalog.units import quantity_with_unit

register = template.Library()


@register.filter
def with_unit(quantity: Decimal | int | str | None, unit: Any) -> str:
    """`{{ line.quantity|with_unit:line.unit }}` or `{{ quantity|with_unit:product }}`:
    "1 box", "2 boxes", "1.5 kg" (in Chinese "2箱")."""
    if quantity is None or quantity == "":
        return ""
    return quantity_with_unit(quantity, getattr(unit, "unit", unit))
