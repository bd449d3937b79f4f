"""Whole-page cache for anonymous storefront visitors (most traffic: phones browsing products).

Only requests without a session or messages cookie are served from the cache, and a response is
stored only if it shows no message and sets no cookie of its own, so nothing personal (cart, log-in,
a refused quantity) can leak between visitors; the key holds the path, query and language. Pages
cached here carry no CSRF token in their HTML: the storefront script takes it from the cookie,
which this decorator makes sure is set. A catalog change bumps a version number in the cache;
the cache is shared by every worker and host (settings.COUNTYHUB_CACHE), so changes show at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

TIMEOUT = 60
# django.contrib.messages' cookie storage (the first the default FallbackStorage tries).
MESSAGES_COOKIE = "messages"
VERSION_KEY = "pagecache:catalog-version"


def bump_catalog_version() -> None:
    """Call after a catalog change (price, stock, active) so cached pages are rebuilt."""
    if not cache.add(VERSION_KEY, 1, None):
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 1, None)


def _key(request: HttpRequest) -> str:
    fragment = "htmx" if request.htmx else "page"
    raw = f"{request.get_full_path()}|{get_language()}|{fragment}"
    return f"pagecache:{hashlib.sha256(raw.encode()).hexdigest()}"


def _visitor_is_anonymous(request: HttpRequest) -> bool:
    personal_cookies = {settings.SESSION_COOKIE_NAME, MESSAGES_COOKIE}
    return request.method == "GET" and not personal_cookies & request.COOKIES.keys()


def _response_is_personal(request: HttpRequest, response: HttpResponse) -> bool:
    """A message was shown or queued, or the view set a cookie: this page is one visitor's."""
    storage = getattr(request, "_messages", None)
    shown = storage is not None and bool(
        getattr(storage, "_loaded_messages", None) or getattr(storage, "_queued_messages", None)
    )
    return shown or bool(response.cookies)


def cache_for_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _visitor_is_anonymous(request):
            return view(request, *args, **kwargs)
        get_token(request)  # sets the CSRF cookie that the page's script sends back
        key = _key(request)
        # The catalog's version and the page in one round trip; a page of an older version
        # (a price changed since) is a miss.
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY, 0)
        cached = found.get(key)
        if cached is not None and cached[0] == version:
            return HttpResponse(cached[1], content_type="text/html; charset=utf-8")
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not _response_is_personal(request, response)
        ):
            cache.set(key, (version, response.content), TIMEOUT)
        return response

    return wrapper
