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
def page_query(context: dict[str, Any], number: int, parameter: str = "") -> str:
    """The current query string with `page` (or `parameter`, where a page has two paged lists)
    set to `number`, filters and the other list's page kept."""
    query = context["request"].GET.copy()
    query[parameter or "page"] = str(number)
    return "?" + query.urlencode()
