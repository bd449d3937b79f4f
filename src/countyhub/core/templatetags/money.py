from decimal import Decimal

from django import template

from countyhub.core.money import format_money
from countyhub.core.numbers import plain_number

register = template.Library()


@register.filter
def cny(amount: Decimal | None) -> str:
    """Render an amount as ¥ with two decimals."""
    return "" if amount is None else format_money(Decimal(amount))


@register.filter
def qty(amount: Decimal | None) -> str:
    """A quantity without trailing zeros: 2, 1.5, 0.25."""
    if amount is None:
        return ""
    return plain_number(amount)
