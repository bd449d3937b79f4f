"""Storefront pages of the catalog: home by brand, browse/search, product page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from countyhub.catalog import selectors
from countyhub.catalog.models import Product
from countyhub.core.models import County
from countyhub.shop.cart import SessionCart

PAGE_SIZE = 24


def _county(slug: str) -> County:
    return get_object_or_404(County, slug=slug)


def root(request: HttpRequest) -> HttpResponse:
    """One county: straight to its storefront; several: let the buyer choose."""
    counties = list(County.objects.all()[:50])
    if len(counties) == 1:
        return redirect("catalog:home", counties[0].slug)
    return render(request, "catalog/counties.html", {"counties": counties})


def home(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(county_slug)
    brands = list(selectors.county_brands(county=county))
    context = {
        "county": county,
        "public_brand": next((b for b in brands if b.parent_id is None), None),
        "product_brands": [b for b in brands if b.parent_id is not None],
        "categories": selectors.county_categories(county=county),
        "villages": selectors.villages_with_sellers(county=county),
        "featured": selectors.on_sale(county=county).order_by("-pk")[:6],
        "cart_count": SessionCart(request, county).count(),
    }
    return render(request, "catalog/home.html", context)


def browse(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _county(county_slug)
    village = request.GET.get("village", "")
    filters = {
        "category": request.GET.get("category", ""),
        "brand": request.GET.get("brand", ""),
        "village": int(village) if village.isdigit() else None,
        "q": request.GET.get("q", "")[:100],
    }
    products = selectors.storefront_products(county=county, **filters).order_by("name", "pk")
    context = {
        "county": county,
        "products": products[:PAGE_SIZE],
        "filters": filters,
        "categories": selectors.county_categories(county=county),
        "brands": selectors.county_brands(county=county),
        "villages": selectors.villages_with_sellers(county=county),
        "cart_count": SessionCart(request, county).count(),
    }
    if request.htmx:
        return render(request, "catalog/_product_list.html", context)
    return render(request, "catalog/browse.html", context)


def product_detail(request: HttpRequest, county_slug: str, product_id: int) -> HttpResponse:
    county = _county(county_slug)
    product = (
        Product.objects.select_related("seller__village", "brand__parent", "category", "stock")
        .filter(county=county, pk=product_id, active=True)
        .first()
    )
    if product is None:
        raise Http404
    context = {
        "county": county,
        "product": product,
        "certifications": selectors.current_certifications(product=product),
        "cart_count": SessionCart(request, county).count(),
    }
    return render(request, "catalog/product.html", context)
