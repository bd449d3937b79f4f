"""Catalog queries, always scoped to one county."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from countyhub.catalog import search
from countyhub.catalog.models import (
    Brand,
    Category,
    Certification,
    Household,
    Product,
    ProductImage,
)
from countyhub.core.models import County, Role, Village
from countyhub.core.permissions import admin_county_ids


def on_sale(*, county: County | int) -> QuerySet[Product]:
    """Products on sale, each with its `pictures` in order (one query for a whole list)."""
    return (
        Product.objects.filter(county=county, active=True)
        .select_related("stock", "brand", "seller", "category")
        .prefetch_related(with_pictures())
    )


def with_pictures() -> Prefetch:
    """Prefetch a product's pictures, in their order, as the list `product.pictures`."""
    return Prefetch(
        "images", queryset=ProductImage.objects.order_by("position", "pk"), to_attr="pictures"
    )


def pictures_of(product: Product) -> list[ProductImage]:
    return list(product.images.order_by("position", "pk"))


def search_products(queryset: QuerySet[Product], q: str) -> QuerySet[Product]:
    """The products with every word of `q`, best match first (`catalog.search`); all of
    `queryset` for an empty query."""
    if not q.strip():
        return queryset
    return search.search(queryset, q)


def storefront_products(
    *,
    county: County | int,
    category: str = "",
    brand: str = "",
    village: int | None = None,
    q: str = "",
) -> QuerySet[Product]:
    products = on_sale(county=county)
    if category:
        products = products.filter(category__slug=category)
    if brand:
        products = products.filter(Q(brand__slug=brand) | Q(brand__parent__slug=brand))
    if village:
        products = products.filter(seller__village_id=village)
    return search_products(products.order_by("name", "pk"), q)


def current_certifications(
    *, product: Product, today: datetime.date | None = None
) -> QuerySet[Certification]:
    """Only certificates valid today: an expired one disappears without anyone touching it."""
    day = today or timezone.localdate()
    return product.certifications.filter(valid_from__lte=day, valid_until__gte=day)


def county_brands(*, county: County | int) -> QuerySet[Brand]:
    return Brand.objects.filter(county=county).select_related("parent")


def county_categories(*, county: County | int) -> QuerySet[Category]:
    return Category.objects.filter(county=county)


def villages_with_sellers(*, county: County | int) -> QuerySet[Village]:
    return Village.objects.filter(county=county, seller__isnull=False).distinct()


def households_of(*, county: County | int, registered_poor: bool | None = None) -> QuerySet[Any]:
    households = Household.objects.filter(county=county).select_related("village")
    if registered_poor is not None:
        households = households.filter(registered_poor=registered_poor)
    return households.annotate(member_count=Count("members", distinct=True)).order_by("pk")


def registered_poor_households_reached(*, county: County | int) -> int:
    """Registered poor households that a seller employs or buys from."""
    return (
        Household.objects.filter(county=county, registered_poor=True, sellerhousehold__isnull=False)
        .distinct()
        .count()
    )


def household_villages(user: Any) -> QuerySet[Village]:
    """The villages whose households a user registers (the station's household register): the
    villages of the stations they run, and every village of the counties they administer."""
    if not getattr(user, "is_authenticated", False):
        return Village.objects.none()
    counties = admin_county_ids(user)
    if counties is None:
        return Village.objects.all().order_by("name")
    stations = user.memberships.filter(role=Role.STATION_OPERATOR, station__isnull=False)
    return Village.objects.filter(
        Q(pk__in=stations.values("station__village_id")) | Q(county_id__in=counties)
    ).order_by("name")


def households_in(villages: QuerySet[Village]) -> QuerySet[Household]:
    return (
        Household.objects.filter(village__in=villages)
        .select_related("village")
        .prefetch_related("members")
        .order_by("village__name", "head_name", "pk")
    )
