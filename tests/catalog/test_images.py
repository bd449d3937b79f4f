"""Product pictures, brand logos and the county banner: checked by content, redrawn at the sizes
the pages use (EXIF applied and dropped), stored through the storage API, changed only by the
product's seller (or county staff), and shown in lists, the gallery and the API."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import Image

from countyhub.catalog import images
from countyhub.catalog.models import ProductImage
from countyhub.core import images as core_images
from countyhub.core.models import AuditEntry
from countyhub.core.services import set_county_banner

GPS_IFD = 0x8825
ORIENTATION = 0x0112


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path, client):
    settings.MEDIA_ROOT = tmp_path
    # The refusals are read in English (pages by their cookie); test_translations checks the
    # Chinese.
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def picture(
    image_format: str = "JPEG", size: tuple[int, int] = (1200, 900), exif: bool = False
) -> SimpleUploadedFile:
    """A picture as a browser uploads it: left half red, right half green."""
    image = Image.new("RGB", size, "red")
    image.paste((0, 160, 0), (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    extra = {}
    if exif:
        tags = Image.Exif()
        tags[ORIENTATION] = 6  # the camera was turned: show it rotated 90° clockwise
        tags[0x010F] = "PhoneMaker"
        tags.get_ifd(GPS_IFD).update({1: "N", 2: (26.0, 34.0, 0.0), 3: "E", 4: (106.0, 42.0, 0.0)})
        extra["exif"] = tags
    image.save(buffer, image_format, **extra)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[image_format]
    return SimpleUploadedFile(f"apple.{extension}", buffer.getvalue(), f"image/{extension}")


def pixel_bomb() -> SimpleUploadedFile:
    """A PNG of a few hundred bytes whose header announces 50,000 × 50,000 pixels (2.5 billion:
    about 7.5 GB decoded)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 50_000, 50_000, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 4096)
    content = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("field.png", content, "image/png")


def opened(name: str) -> Image.Image:
    with default_storage.open(name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_a_seller_adds_a_picture_in_every_accepted_format(world, image_format):
    seller = world.users["seller_staff"]
    added = images.add_product_image(
        actor=seller, product=world.product, upload=picture(image_format), alt_text="红富士苹果"
    )
    assert added.position == 0
    assert opened(added.image.name).format == image_format
    assert opened(added.image.name).size == (1200, 900)
    assert opened(added.thumbnail.name).size == (320, 320)
    assert opened(added.gallery.name).size == (800, 800)
    assert added.image.name.startswith(f"products/{world.product.pk}/")
    entry = AuditEntry.objects.get(action="productimage.added")
    assert (entry.actor, entry.object_id) == (seller, str(added.pk))
    assert entry.changes["file"] == f"apple.{added.image.name.rsplit('.', 1)[1]}"


def test_thumbnails_are_cropped_from_the_middle_and_the_gallery_keeps_the_whole_picture(world):
    added = images.add_product_image(
        actor=world.users["seller_staff"], product=world.product, upload=picture()
    )
    thumbnail = opened(added.thumbnail.name).convert("RGB")
    assert thumbnail.getpixel((5, 160))[0] > 200  # red on the left
    assert thumbnail.getpixel((315, 160))[1] > 120  # green on the right
    gallery = opened(added.gallery.name).convert("RGB")
    # 1200 × 900 fits 800 × 600 on a white square: white bands above and below.
    assert gallery.getpixel((400, 5)) == (255, 255, 255)
    assert gallery.getpixel((5, 400))[0] > 200


def test_the_exif_orientation_is_applied_and_every_exif_tag_dropped(world):
    upload = picture(exif=True)
    assert Image.open(io.BytesIO(upload.read())).getexif().get_ifd(GPS_IFD)
    added = images.add_product_image(
        actor=world.users["seller_staff"], product=world.product, upload=upload
    )
    for name in added.files:
        stored = opened(name)
        assert not dict(stored.getexif()), name
        assert "exif" not in stored.info, name
    assert opened(added.image.name).size == (900, 1200)  # stood upright


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("apple.jpg", b"these are not the apples you want\n", "image/jpeg"),
            "“apple.jpg” is not a JPEG, PNG or WebP picture.",
        ),
        (
            SimpleUploadedFile("photo.jpg", b"GIF89a" + b"\x00" * 50, "image/jpeg"),
            "“photo.jpg” is not a JPEG, PNG or WebP picture.",
        ),
        (pixel_bomb(), "“field.png” has too many pixels: at most 40 million are accepted."),
    ],
    ids=["text-renamed-jpg", "broken-gif", "pixel-bomb"],
)
def test_what_is_not_a_sensible_picture_is_refused_naming_the_file(world, upload, message):
    with pytest.raises(core_images.ImageError) as refused:
        images.add_product_image(
            actor=world.users["seller_staff"], product=world.product, upload=upload
        )
    assert refused.value.message == message
    assert refused.value.field == "image"
    assert not ProductImage.objects.exists()
    assert not default_storage.exists("products")


def test_an_oversized_file_is_refused_before_it_is_read_as_a_picture(world):
    upload = SimpleUploadedFile(
        "huge.jpg", b"\xff\xd8" + b"\x00" * core_images.MAX_UPLOAD_BYTES, "image/jpeg"
    )
    with pytest.raises(core_images.ImageError) as refused:
        images.add_product_image(
            actor=world.users["seller_staff"], product=world.product, upload=upload
        )
    assert refused.value.code == core_images.ImageErrorCode.FILE_TOO_LARGE
    assert refused.value.message == "“huge.jpg” is larger than 10 MB."


def test_pictures_are_put_in_order_and_removed_with_their_files(
    world, django_capture_on_commit_callbacks
):
    seller = world.users["seller_staff"]
    first, second, third = (
        images.add_product_image(actor=seller, product=world.product, upload=picture())
        for _ in range(3)
    )
    assert [first.position, second.position, third.position] == [0, 1, 2]
    images.reorder_product_images(
        actor=seller, product=world.product, order=[third.pk, first.pk, second.pk]
    )
    assert list(world.product.images.values_list("pk", flat=True)) == [
        third.pk,
        first.pk,
        second.pk,
    ]
    images.move_product_image(actor=seller, picture=ProductImage.objects.get(pk=second.pk), step=-1)
    assert list(world.product.images.values_list("pk", flat=True)) == [
        third.pk,
        second.pk,
        first.pk,
    ]
    with django_capture_on_commit_callbacks(execute=True):
        images.delete_product_image(actor=seller, picture=ProductImage.objects.get(pk=third.pk))
    assert not any(default_storage.exists(name) for name in third.files)
    assert all(default_storage.exists(name) for name in first.files)
    assert list(world.product.images.values_list("pk", "position")) == [
        (second.pk, 0),
        (first.pk, 1),
    ]
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-3:] == [
        "productimage.reordered",
        "productimage.reordered",
        "productimage.deleted",
    ]


def test_a_reorder_naming_other_pictures_is_refused(world):
    seller = world.users["seller_staff"]
    mine = images.add_product_image(actor=seller, product=world.product, upload=picture())
    theirs = images.add_product_image(
        actor=world.users["other_seller_staff"], product=world.other_product, upload=picture()
    )
    with pytest.raises(images.CatalogError):
        images.reorder_product_images(
            actor=seller, product=world.product, order=[theirs.pk, mine.pk]
        )


def test_another_seller_cannot_add_reorder_or_remove_the_pictures(world, client):
    mine = images.add_product_image(
        actor=world.users["seller_staff"], product=world.product, upload=picture()
    )
    other = world.users["other_seller_staff"]
    with pytest.raises(PermissionDenied):
        images.add_product_image(actor=other, product=world.product, upload=picture())
    with pytest.raises(PermissionDenied):
        images.reorder_product_images(actor=other, product=world.product, order=[mine.pk])
    with pytest.raises(PermissionDenied):
        images.delete_product_image(actor=other, picture=mine)
    url = reverse("catalog:product_pictures", args=[world.county.slug, world.product.pk])
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "add", "image": picture()}).status_code == 404
    assert client.post(url, {"action": "remove", "picture": mine.pk}).status_code == 404
    # Their own product's page does not reach another product's picture either.
    own = reverse("catalog:product_pictures", args=[world.county.slug, world.other_product.pk])
    assert client.post(own, {"action": "remove", "picture": mine.pk}).status_code == 404
    assert client.post(own, {"action": "earlier", "picture": mine.pk}).status_code == 404
    assert ProductImage.objects.filter(pk=mine.pk).exists()
    assert world.product.images.count() == 1
    client.force_login(world.users["buyer"])
    assert client.get(url).status_code == 404


def test_the_seller_manages_pictures_on_their_page(world, client):
    client.force_login(world.users["seller_staff"])
    url = reverse("catalog:product_pictures", args=[world.county.slug, world.product.pk])
    response = client.post(url, {"action": "add", "image": picture(), "alt_text": "一箱苹果"})
    assert response.status_code == 302
    client.post(url, {"action": "add", "image": picture("PNG")})
    first, second = world.product.images.all()
    assert first.alt_text == "一箱苹果"
    client.post(url, {"action": "later", "picture": first.pk})
    assert list(world.product.images.values_list("pk", flat=True)) == [second.pk, first.pk]
    client.post(url, {"action": "remove", "picture": second.pk})
    assert list(world.product.images.values_list("pk", flat=True)) == [first.pk]
    refused = client.post(
        url, {"action": "add", "image": SimpleUploadedFile("notes.jpg", b"hello", "image/jpeg")}
    )
    assert refused.status_code == 400
    assert "“notes.jpg” is not a JPEG, PNG or WebP picture." in refused.content.decode()


def test_lists_show_the_first_thumbnail_with_its_size_or_a_placeholder(world, client):
    seller = world.users["seller_staff"]
    first = images.add_product_image(actor=seller, product=world.product, upload=picture())
    images.add_product_image(actor=seller, product=world.product, upload=picture("PNG"))
    for url in (
        reverse("catalog:browse", args=[world.county.slug]),
        reverse("catalog:home", args=[world.county.slug]),
    ):
        page = client.get(url).content.decode()
        tag = re.search(rf'<img src="{re.escape(first.thumbnail.url)}"[^>]*>', page)
        assert tag, url
        assert 'width="320" height="320" loading="lazy"' in tag.group(0)
        assert opened(first.thumbnail.name).size == (320, 320)
        # The other product has no picture: the placeholder, the same size.
        assert re.search(r'<img class="no-picture" src="[^"]*no-picture.svg" width="320"', page)
        assert page.count('loading="lazy"') >= 2


def test_the_product_page_shows_a_gallery_in_order(world, client):
    seller = world.users["seller_staff"]
    first = images.add_product_image(
        actor=seller,
        product=world.product,
        upload=picture(),
        alt_text="红苹果",
        alt_text_en="red apples",
    )
    second = images.add_product_image(actor=seller, product=world.product, upload=picture("PNG"))
    url = reverse("catalog:product", args=[world.county.slug, world.product.pk])
    page = client.get(url).content.decode()
    gallery = page[page.index('class="gallery"') :]
    assert gallery.index(first.gallery.url) < gallery.index(second.gallery.url)
    assert f'src="{first.gallery.url}" width="800" height="800" alt="red apples"' in page
    name = world.product.name_en or world.product.name
    assert f'alt="{name}" loading="lazy"' in page  # no description: the product's name
    assert 'href="#picture-2"' in page
    assert "catalog/gallery.js" in page
    assert "<script>" not in page.split("</main>")[0]  # no inline script in the page's content
    client.cookies["django_language"] = "zh-hans"
    assert 'alt="红苹果"' in client.get(url).content.decode()


def test_the_api_gives_each_product_its_picture_urls(world, client):
    added = images.add_product_image(
        actor=world.users["seller_staff"], product=world.product, upload=picture()
    )
    body = client.get(f"/api/products/{world.product.pk}").json()
    assert body["pictures"] == [
        {
            "image": added.image.url,
            "thumbnail": added.thumbnail.url,
            "gallery": added.gallery.url,
            "alt_text": "",
            "alt_text_en": "",
        }
    ]
    listed = {p["id"]: p for p in client.get("/api/products").json()["items"]}
    assert listed[world.product.pk]["pictures"][0]["thumbnail"] == added.thumbnail.url
    assert listed[world.other_product.pk]["pictures"] == []


def test_uploaded_files_are_served_in_development(world, client):
    added = images.add_product_image(
        actor=world.users["seller_staff"], product=world.product, upload=picture()
    )
    response = client.get(added.thumbnail.url)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (320, 320)


def test_county_staff_set_the_banner_and_brand_logos_shown_on_the_home_page(world, client):
    admin_user, seller = world.users["county_admin"], world.users["seller_staff"]
    brand = world.product.brand
    with pytest.raises(PermissionDenied):
        images.set_brand_logo(actor=seller, brand=brand, upload=picture("PNG"))
    with pytest.raises(PermissionDenied):
        set_county_banner(actor=seller, county=world.county, upload=picture())
    images.set_brand_logo(actor=admin_user, brand=brand, upload=picture("PNG", size=(600, 300)))
    set_county_banner(actor=admin_user, county=world.county, upload=picture(exif=True))
    logo = opened(brand.logo.name)
    assert (logo.format, logo.size, logo.mode) == ("PNG", (256, 256), "RGBA")
    assert logo.getpixel((128, 5))[3] == 0  # transparent above a wide logo
    banner = opened(world.county.banner.name)
    assert (banner.size, dict(banner.getexif())) == ((1600, 480), {})
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"brand.logo_changed", "county.banner_changed"} <= actions
    page = client.get(reverse("catalog:home", args=[world.county.slug])).content.decode()
    assert f'<img class="banner" src="{world.county.banner.url}" width="1600" height="480"' in page
    assert brand.logo.url in page


def test_county_staff_add_reorder_and_remove_pictures_in_the_admin(world, client):
    from tests.core.audit_walk import form_data, form_errors

    admin_user = world.users["county_admin"]
    client.force_login(admin_user)
    product = world.product
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = form_data(client.get(url).content.decode(), "product_form")
    data.update({"images-0-upload": picture(), "images-0-alt_text": "一箱苹果", "_save": "Save"})
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response.content.decode())
    added = product.images.get()
    assert (added.alt_text, opened(added.thumbnail.name).size) == ("一箱苹果", (320, 320))
    assert AuditEntry.objects.filter(action="productimage.added", actor=admin_user).exists()

    data = form_data(client.get(url).content.decode(), "product_form")
    data.update({"images-1-upload": SimpleUploadedFile("a.jpg", b"text", "image/jpeg")})
    refused = client.post(url, {**data, "_save": "Save"})
    assert refused.status_code == 200
    assert "“a.jpg” is not a JPEG, PNG or WebP picture." in refused.content.decode()

    data = form_data(client.get(url).content.decode(), "product_form")
    data.update({"images-0-DELETE": "on", "_save": "Save"})
    assert client.post(url, data).status_code == 302
    assert not product.images.exists()
    assert AuditEntry.objects.filter(action="productimage.deleted", actor=admin_user).exists()


def test_a_product_takes_at_most_twelve_pictures(world):
    seller = world.users["seller_staff"]
    for _ in range(images.MAX_PICTURES_PER_PRODUCT):
        images.add_product_image(actor=seller, product=world.product, upload=picture(size=(64, 48)))
    with pytest.raises(images.CatalogError) as refused:
        images.add_product_image(actor=seller, product=world.product, upload=picture(size=(64, 48)))
    assert refused.value.code == images.CatalogErrorCode.TOO_MANY_PICTURES
    assert world.product.images.count() == 12
    assert sorted(world.product.images.values_list("position", flat=True)) == list(range(12))


def test_county_staff_upload_the_banner_and_a_logo_in_the_admin(world, client):
    from tests.core.audit_walk import form_data, form_errors

    client.force_login(world.users["county_admin"])
    county, brand = world.county, world.product.brand
    url = reverse("admin:core_county_change", args=[county.pk])
    data = form_data(client.get(url).content.decode(), "county_form")
    response = client.post(url, {**data, "banner": picture(size=(2000, 900)), "_save": "Save"})
    assert response.status_code == 302, form_errors(response.content.decode())
    county.refresh_from_db()
    assert opened(county.banner.name).size == (1600, 480)
    assert AuditEntry.objects.filter(action="county.banner_changed").exists()

    url = reverse("admin:catalog_brand_change", args=[brand.pk])
    data = form_data(client.get(url).content.decode(), "brand_form")
    refused = client.post(url, {**data, "logo": pixel_bomb(), "_save": "Save"})
    assert refused.status_code == 200
    brand.refresh_from_db()
    assert not brand.logo
    response = client.post(url, {**data, "logo": picture("PNG"), "_save": "Save"})
    assert response.status_code == 302, form_errors(response.content.decode())
    brand.refresh_from_db()
    assert opened(brand.logo.name).size == (256, 256)
