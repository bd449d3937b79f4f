"""Pictures of the catalog: a product's pictures (added, put in order, removed by its seller or
the county's administrators) and a brand's logo (county administrators); the county's banner is
`core.services.set_county_banner`.

Each upload is checked and redrawn by `countyhub.core.images`; every change leaves an audit
entry and, after the commit, makes the cached storefront pages stale. Files of a removed picture
are deleted once the removal is committed, so a rolled-back removal keeps them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from countyhub.catalog.errors import CatalogError, CatalogErrorCode
from countyhub.catalog.models import Brand, Product, ProductImage
from countyhub.core import images
from countyhub.core.audit import record_audit
from countyhub.core.pagecache import bump_catalog_version
from countyhub.core.permissions import is_county_admin

# Enough for every side of a jar of honey; more slows the product page on a village phone.
MAX_PICTURES_PER_PRODUCT = 12


def may_change_pictures(user: Any, product: Product) -> bool:
    """The product's seller (its staff) and the county's administrators."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.seller_staff_of.filter(pk=product.seller_id).exists():
        return True
    return is_county_admin(user, product.county_id)


def _require(user: Any, product: Product) -> None:
    if not may_change_pictures(user, product):
        raise PermissionDenied(_("Only the product's seller or county staff may change it."))


def _delete_after_commit(*names: str) -> None:
    transaction.on_commit(lambda: images.delete_stored(*names))


def _store(upload: images.CheckedUpload, folder: str) -> dict[str, str]:
    """The three sizes of a product picture, stored; on a failure none is left behind."""
    stored: dict[str, str] = {}
    try:
        stored["image"] = images.save_rendition(images.Original, upload, folder=folder)
        stem = stored["image"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
        stored["thumbnail"] = images.save_rendition(
            images.CardThumbnail, upload, folder=folder, stem=f"{stem}-card"
        )
        stored["gallery"] = images.save_rendition(
            images.GalleryPicture, upload, folder=folder, stem=f"{stem}-gallery"
        )
    except BaseException:
        images.delete_stored(*stored.values())
        raise
    return stored


@transaction.atomic
def add_product_image(
    *, actor: Any, product: Product, upload: Any, alt_text: str = "", alt_text_en: str = ""
) -> ProductImage:
    """A new picture, last in the product's order."""
    _require(actor, product)
    checked = images.check_upload(upload)
    # Lock the product so that two uploads at once get different positions.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    count = product.images.count()
    if count >= MAX_PICTURES_PER_PRODUCT:
        raise CatalogError(
            CatalogErrorCode.TOO_MANY_PICTURES,
            _("A product has at most %(limit)d pictures; remove one first.")
            % {"limit": MAX_PICTURES_PER_PRODUCT},
            field="image",
        )
    stored = _store(checked, f"products/{product.pk}")
    picture = ProductImage(
        product=product,
        position=count,
        alt_text=alt_text.strip(),
        alt_text_en=alt_text_en.strip(),
        **stored,
    )
    try:
        picture.full_clean()
        picture.save()
    except BaseException:
        images.delete_stored(*stored.values())
        raise
    transaction.on_commit(bump_catalog_version)
    record_audit(
        actor=actor,
        action="productimage.added",
        target=picture,
        county=product.county,
        changes={"product": product.pk, "file": checked.name, **stored},
    )
    return picture


@transaction.atomic
def reorder_product_images(
    *, actor: Any, product: Product, order: Sequence[int]
) -> list[ProductImage]:
    """Put the product's pictures in the order of `order` (picture ids, every one of them)."""
    _require(actor, product)
    pictures = {p.pk: p for p in product.images.select_for_update().order_by("pk")}
    if sorted(order) != sorted(pictures):
        raise CatalogError(
            CatalogErrorCode.PICTURES_CHANGED,
            _("The pictures have changed since the page was shown; try again."),
            field="order",
        )
    before = [p.pk for p in sorted(pictures.values(), key=lambda p: (p.position, p.pk))]
    ordered = [pictures[pk] for pk in order]
    for position, picture in enumerate(ordered):
        picture.position = position
    ProductImage.objects.bulk_update(ordered, ["position"])
    if before != list(order):
        transaction.on_commit(bump_catalog_version)
        record_audit(
            actor=actor,
            action="productimage.reordered",
            target=product,
            county=product.county,
            changes={"order": [before, list(order)]},
        )
    return ordered


def move_product_image(*, actor: Any, picture: ProductImage, step: int) -> list[ProductImage]:
    """One place earlier (`step=-1`) or later (`step=1`) in its product's order."""
    product = picture.product
    order = list(product.images.order_by("position", "pk").values_list("pk", flat=True))
    index = order.index(picture.pk)
    target = min(max(index + step, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    return reorder_product_images(actor=actor, product=product, order=order)


@transaction.atomic
def delete_product_image(*, actor: Any, picture: ProductImage) -> None:
    """Remove a picture and its files; the ones after it move up."""
    product = picture.product
    _require(actor, product)
    record_audit(
        actor=actor,
        action="productimage.deleted",
        target=picture,
        county=product.county,
        changes={"product": product.pk, "position": picture.position, "files": picture.files},
    )
    files = picture.files
    picture.delete()
    remaining = list(product.images.select_for_update().order_by("position", "pk"))
    for position, other in enumerate(remaining):
        other.position = position
    ProductImage.objects.bulk_update(remaining, ["position"])
    _delete_after_commit(*files)
    transaction.on_commit(bump_catalog_version)


@transaction.atomic
def set_brand_logo(*, actor: Any, brand: Brand, upload: Any) -> Brand:
    """A brand's logo, redrawn on a transparent square (county administrators)."""
    if not is_county_admin(actor, brand.county_id):
        raise PermissionDenied(_("Only county staff may change the brand."))
    checked = images.check_upload(upload)
    old = brand.logo.name
    brand.logo.name = images.save_rendition(images.Logo, checked, folder="brands")
    brand.save(update_fields=["logo", "updated_at"])
    if old:
        _delete_after_commit(old)
    transaction.on_commit(bump_catalog_version)
    record_audit(
        actor=actor,
        action="brand.logo_changed",
        target=brand,
        county=brand.county,
        changes={"logo": [old, brand.logo.name], "file": checked.name},
    )
    return brand
