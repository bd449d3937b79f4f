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


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], number: int) -> str:
    """The current query string with `page` set to `number`, filters kept."""
    query = context["request"].GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()
