"""The demo's pictures: every product on sale has its drawn pictures, whose sizes open as the
pages say; every brand a logo; the county a banner, all shown on its storefront."""

import io

from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from countyhub.catalog.models import Brand, Product


def opened(name: str) -> Image.Image:
    with default_storage.open(name) as stored:
        image = Image.open(io.BytesIO(stored.read()))
        image.load()
    return image


def test_every_product_on_sale_has_pictures_whose_sizes_open(demo_county, db):
    on_sale = Product.objects.filter(county=demo_county, active=True).prefetch_related("images")
    assert on_sale.count() == 30
    for product in on_sale:
        pictures = list(product.images.all())
        assert len(pictures) >= 1, product.name
        for picture in pictures:
            assert opened(picture.thumbnail.name).size == (320, 320), product.name
            assert opened(picture.gallery.name).size == (800, 800), product.name
            assert opened(picture.image.name).format == "PNG"
        assert pictures[0].alt_text == product.name
    # Drawn, not one picture for all: the products' first pictures differ.
    firsts = {
        p.images.all()[0].thumbnail.name: opened(p.images.all()[0].thumbnail.name).tobytes()
        for p in on_sale
    }
    assert len(set(firsts.values())) == 30


def test_brands_have_logos_and_the_storefront_shows_them_with_the_banner(demo_county, db, client):
    brands = Brand.objects.filter(county=demo_county)
    assert brands.count() == 6
    for brand in brands:
        assert opened(brand.logo.name).size == (256, 256), brand.name
    assert opened(demo_county.banner.name).size == (1600, 480)
    home = client.get(reverse("catalog:home", args=[demo_county.slug])).content.decode()
    assert demo_county.banner.url in home
    assert sum(brand.logo.url in home for brand in brands) == 6
    browse = client.get(reverse("catalog:browse", args=[demo_county.slug])).content.decode()
    assert "no-picture.svg" not in browse
    assert browse.count('loading="lazy"') >= 24
