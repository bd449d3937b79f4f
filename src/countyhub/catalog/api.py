"""Products: public reads, changes by the product's seller or the county's administrators."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from countyhub.catalog import selectors, services
from countyhub.catalog.models import Certification, Product
from countyhub.core.api import BearerAuth, Id, OptionalBearerAuth, errors
from countyhub.core.numbers import plain_number
from countyhub.core.permissions import is_county_admin

router = Router(tags=["products"])


class CertificationOut(Schema):
    kind: str
    number: str
    issuer: str
    valid_until: str


class PictureOut(Schema):
    """A product picture's files, each as its storage gives the URL (a path on this site with
    the default file storage, a full URL with object storage)."""

    image: str
    thumbnail: str
    gallery: str
    alt_text: str
    alt_text_en: str


class ProductOut(Schema):
    id: int
    county: str
    name: str
    name_en: str
    category: str
    brand: str
    public_brand: str
    seller_id: int
    seller: str
    unit: str
    decimal_quantity: bool
    net_content: str
    price: str
    currency: str = "CNY"
    gtin: str
    gs1_company_prefix_length: int | None = None
    active: bool
    stock_available: str
    certifications: list[CertificationOut]
    pictures: list[PictureOut]


class ProductFilters(Schema):
    county: str = ""
    category: str = ""
    brand: str = ""
    q: str = ""
    limit: int = Field(50, ge=1, le=200)
    # Bounded: a 64-bit overflow would reach the database as an error, not as an empty page.
    offset: int = Field(0, ge=0, le=1_000_000_000)


class ProductPage(Schema):
    count: int
    items: list[ProductOut]


class ProductPatch(Schema):
    price: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=2)
    stock: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=3)
    active: bool | None = None


def product_out(product: Product) -> dict[str, Any]:
    today = timezone.localdate()
    stock = getattr(product, "stock", None)
    brand = product.brand
    return {
        "id": product.pk,
        "county": product.county.slug,
        "name": product.name,
        "name_en": product.name_en,
        "category": product.category.slug,
        "brand": brand.slug,
        "public_brand": brand.parent.slug if brand.parent_id else brand.slug,
        "seller_id": product.seller_id,
        "seller": product.seller.name,
        "unit": product.unit,
        "decimal_quantity": product.decimal_quantity,
        "net_content": product.net_content,
        "price": f"{product.price:.2f}",
        "gtin": product.gtin,
        "gs1_company_prefix_length": product.gs1_company_prefix_length,
        "active": product.active,
        "stock_available": plain_number(stock.available) if stock else "0",
        "certifications": [
            {
                "kind": c.kind,
                "number": c.number,
                "issuer": c.issuer,
                "valid_until": c.valid_until.isoformat(),
            }
            for c in product.certifications.all()
            if c.is_valid_on(today)
        ],
        "pictures": [
            {
                "image": picture.image.url,
                "thumbnail": picture.thumbnail.url,
                "gallery": picture.gallery.url,
                "alt_text": picture.alt_text,
                "alt_text_en": picture.alt_text_en,
            }
            for picture in product.pictures
        ],
    }


def _products() -> QuerySet[Product]:
    return Product.objects.select_related(
        "county", "category", "brand__parent", "seller", "stock"
    ).prefetch_related(
        Prefetch("certifications", queryset=Certification.objects.all()),
        selectors.with_pictures(),
    )


def _may_manage(user: Any, product: Product) -> bool:
    staff_of_seller = getattr(user, "is_authenticated", False) and (
        user.seller_staff_of.filter(pk=product.seller_id).exists()
    )
    return bool(staff_of_seller or is_county_admin(user, product.county_id))


def _visible_product(request: HttpRequest, product_id: Id) -> Product:
    """Inactive products exist only for their seller and county staff; others get a 404."""
    product = _products().filter(pk=product_id).first()
    if product is None or (not product.active and not _may_manage(request.user, product)):
        raise Http404
    return product


@router.get("", auth=OptionalBearerAuth(), response={200: ProductPage, **errors(401, 422)})
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> dict[str, Any]:
    products = _products().filter(active=True)
    if filters.county:
        products = products.filter(county__slug=filters.county)
    if filters.category:
        products = products.filter(category__slug=filters.category)
    if filters.brand:
        products = products.filter(brand__slug=filters.brand) | products.filter(
            brand__parent__slug=filters.brand
        )
    # Best match first for a query; by id otherwise, which keeps offset paging stable.
    products = selectors.search_products(products.order_by("pk"), filters.q)
    page = products[filters.offset : filters.offset + filters.limit]
    return {"count": products.count(), "items": [product_out(p) for p in page]}


@router.get(
    "/{product_id}", auth=OptionalBearerAuth(), response={200: ProductOut, **errors(401, 404)}
)
def get_product(request: HttpRequest, product_id: Id) -> dict[str, Any]:
    return product_out(_visible_product(request, product_id))


@router.patch(
    "/{product_id}",
    auth=BearerAuth(),
    response={200: ProductOut, **errors(400, 401, 403, 404, 422)},
)
def patch_product(request: HttpRequest, product_id: Id, patch: ProductPatch) -> dict[str, Any]:
    product = _visible_product(request, product_id)
    if not _may_manage(request.user, product):
        raise PermissionDenied(_("Only the product's seller or county staff may change it."))
    services.update_product(
        product=product,
        actor=request.user,
        price=patch.price,
        stock_quantity=patch.stock,
        active=patch.active,
    )
    return product_out(_products().get(pk=product.pk))
