"""Public: the GS1 Digital Link resolver. /01/<gtin>/10/<lot>[/21/<serial>] shows the batch's
trace page, /00/<sscc> what a case or pallet holds."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.encoding import escape_uri_path
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from countyhub.catalog.models import Product
from countyhub.core.local_time import activate_county_time_zone
from countyhub.core.templatetags.countyhub import localized
from countyhub.gs1 import farming, keys
from countyhub.gs1.digital_link import parse as parse_digital_link
from countyhub.gs1.errors import DigitalLinkError
from countyhub.trace import charts, selectors, services
from countyhub.trace.identifiers import VOCABULARY, lot_uri, trace_domain
from countyhub.trace.models import ProductIdentifier
from countyhub.trace.views.receiving import _receive_form

PAGE_CACHE_SECONDS = 300
# Digital Link parsing checks every AI value against GS1's tables (~0.15 ms); a burst of scans
# repeats the few URIs printed on labels. DigitalLink is frozen and only read here.
_parse_link = lru_cache(maxsize=1024)(parse_digital_link)
_LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def _friendly(request: HttpRequest, *, status: int, reason: str, code: str) -> HttpResponse:
    return render(request, "trace/unknown.html", {"reason": reason, "code": code}, status=status)


@never_cache
def resolve(request: HttpRequest, path: str) -> HttpResponse:
    """The GS1 Digital Link resolver: a lot or serial link shows the batch's trace page; a
    product link goes to the product; an SSCC link lists the case's or pallet's contents;
    anything else gets a friendly page, never an error.

    The public pages switch language with a GET parameter (`?lang=en`, see
    trace/_language_switch.html): they hold no form to post, so they need no CSRF token and a
    first-time scanner's page comes whole from the cache, with no per-visitor cookie."""
    language = request.GET.get("lang")
    if language in _LANGUAGE_CODES:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    query = request.META.get("QUERY_STRING", "")
    # The path as sent (percent-encoding kept), since the Digital Link rules depend on it.
    path = escape_uri_path(request.path).lstrip("/")
    uri = f"https://{trace_domain()}/{path}" + (f"?{query}" if query else "")
    try:
        link = _parse_link(uri)
    except DigitalLinkError as error:
        reason = _("This code is not a valid GS1 Digital Link (%(part)s).") % {
            "part": error.part or str(error)
        }
        return _friendly(request, status=400, reason=reason, code=f"/{path}")
    if link.key_ai == "00":
        return _container_page(request, link.key, path)
    if link.gtin and not (link.lot or link.serial):
        return _product_or_unknown(request, link.gtin, path)
    scanned = None
    if link.gtin:
        scanned = services.record_link_scan(
            gtin=link.gtin,
            lot=link.lot,
            serial=None if link.lot else link.serial,
            latitude=request.GET.get("lat"),
            longitude=request.GET.get("lon"),
        )
    if scanned is None and link.gtin and link.lot:
        harvest = selectors.batch_for_harvest_link(gtin=link.gtin, lot=link.lot)
        if harvest is not None:  # a crate of the unpacked harvest: show its lot's page
            return redirect("/" + lot_uri(harvest).split("/", 3)[3])
    if scanned is None:
        return _unknown_batch(request, path)
    # Certificates' validity depends on the day; the TTL bounds how long a catalogue edit
    # (a new certificate) takes to show. Trace records themselves are in the version.
    day = timezone.localdate().isoformat()
    key = f"trace:page:{scanned.batch_id}:{scanned.version}:{get_language()}:{day}:{link.serial}"
    # A visitor without a session or messages gets the whole page from the cache: such a page
    # holds nothing personal and nothing taken from the request (the language is in the key).
    page_key = f"{key}:page" if _plain_visitor(request) else None
    if page_key is not None and (html := cache.get(page_key)) is not None:
        return HttpResponse(html)
    cached = cache.get(key)
    if cached is None:
        batch = (
            selectors.batch_for_link(gtin=link.gtin, lot=link.lot)
            if link.lot
            else selectors.batch_for_serial(gtin=link.gtin, serial=link.serial)
        )
        if batch is None:  # deleted since the scan was counted
            return _unknown_batch(request, path)
        activate_county_time_zone(batch.county)
        page = selectors.trace_page(batch)
        page.serial = link.serial
        located = [
            (number, stop.latitude, stop.longitude, stop.name)
            for number, stop in enumerate(page.route, 1)
            if stop.latitude is not None and stop.longitude is not None
        ]
        context = {
            "page": page,
            "batch": batch,
            "route_svg": charts.route_svg(located),
            "route_points": [list(point) for point in located],
            "map_tiles": settings.COUNTYHUB_MAP_TILES,
            "uri": lot_uri(batch),
        }
        article = render_to_string("trace/_trace_article.html", context)
        title = f"{localized(batch.product)} · {_('Trace')}"
        cached = (article, batch.county, title)
        cache.set(key, cached, timeout=PAGE_CACHE_SECONDS)
    article, county, title = cached
    response = render(
        request,
        "trace/trace_page.html",
        {"article": mark_safe(article), "county": county, "title": title},
    )
    if page_key is not None:
        cache.set(page_key, response.content, timeout=PAGE_CACHE_SECONDS)
    return response


def _plain_visitor(request: HttpRequest) -> bool:
    return not (settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES)


def _unknown_batch(request: HttpRequest, path: str) -> HttpResponse:
    return _friendly(
        request,
        status=404,
        reason=_("We have no batch with this code. Check the label, or ask the seller."),
        code=f"/{path}",
    )


def _product_or_unknown(request: HttpRequest, gtin: str, path: str) -> HttpResponse:
    product = (
        Product.objects.filter(Q(gtin=gtin) | Q(gtin=gtin.lstrip("0")))
        .select_related("county")
        .first()
    )
    if product is None:
        identifier = ProductIdentifier.objects.filter(gtin=gtin).first()
        product = identifier.product if identifier else None
    if product is not None:
        return redirect("catalog:product", product.county.slug, product.pk)
    return _unknown_batch(request, path)


def _container_page(request: HttpRequest, sscc: str, path: str) -> HttpResponse:
    container = selectors.container_for_sscc(sscc)
    if container is None:
        return _friendly(
            request,
            status=404,
            reason=_("We have no case or pallet with this code. Check the label."),
            code=f"/{path}",
        )
    activate_county_time_zone(container.county)
    context = {
        "view": selectors.container_view(container),
        "county": container.county,
        "sscc_text": keys.format_sscc(container.sscc),
        "receive_form": _receive_form(request, container),
    }
    return render(request, "trace/container_page.html", context)


def vocabulary(request: HttpRequest) -> HttpResponse:
    """The county's CBV extension (its production steps per product category) as JSON-LD, for
    whoever reads the county's events: public, like the vocabulary namespace it documents."""
    document = farming.extension_document(VOCABULARY)
    return JsonResponse(
        document, content_type="application/ld+json", json_dumps_params={"ensure_ascii": False}
    )
