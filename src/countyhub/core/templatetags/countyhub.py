from typing import Any

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localized(obj: Any, field: str = "name") -> str:
    """The English variant of a name when the page is in English and one exists."""
    value = getattr(obj, field, "")
    if (get_language() or "").startswith("en"):
        return getattr(obj, f"{field}_en", "") or value
    return value
