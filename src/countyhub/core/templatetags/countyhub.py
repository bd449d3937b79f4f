from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localized(obj: Any, field: str = "name") -> str:
    """The English variant of a name when the page is in English and one exists."""
    value = getattr(obj, field, "")
    if (get_language() or "").startswith("en"):
        return getattr(obj, f"{field}_en", "") or value
    return value


@register.simple_tag
def lang_attr(obj: Any, field: str = "name") -> SafeString:
    """` lang="zh-hans"` on the element that shows `obj|localized:field` when an English page
    falls back to the Chinese text (no English variant), so that screen readers and browsers
    read it as Chinese; nothing otherwise."""
    english_page = (get_language() or "").startswith("en")
    if english_page and getattr(obj, field, "") and not getattr(obj, f"{field}_en", ""):
        return format_html(' lang="{}"', settings.LANGUAGE_CODE)
    return SafeString("")


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], number: int, parameter: str = "") -> str:
    """The current query string with `page` (or `parameter`, where a page has two paged lists)
    set to `number`, filters and the other list's page kept."""
    query = context["request"].GET.copy()
    query[parameter or "page"] = str(number)
    return "?" + query.urlencode()


@register.simple_tag(takes_context=True)
def job_may_retry(context: template.Context, job: Any) -> bool:
    """Whether the page's user may start this failed background job again."""
    from countyhub.core.jobs import may_retry  # the tag library loads before the apps are ready

    request = context.get("request")
    return bool(request) and may_retry(job, request.user)


@register.filter
def job_label(job: Any) -> str:
    """What the jobs pages call a job's kind (registered with its handler)."""
    from countyhub.core.jobs import LABELS

    return str(LABELS.get(job.kind, job.kind))
