"""On a 390-px phone: the storefront list shows each product's thumbnail, and the product page's
gallery shows one picture across the screen, moves to the next by its thumbnail (gallery.js)
without moving the page, and marks the thumbnail of the picture in view. Screenshots go to
test-artifacts/."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from countyhub.catalog.images import add_product_image
from countyhub.core.models import Role
from tests.factories.catalog import ProductFactory, SellerFactory
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory

pytest.importorskip("playwright.sync_api")

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def drawn(colour: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 700), colour).save(buffer, "JPEG")
    return SimpleUploadedFile(f"{colour}.jpg", buffer.getvalue(), "image/jpeg")


@pytest.fixture
def product(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    county = CountyFactory(name="青山县", name_en="Qingshan County")
    seller = SellerFactory(county=county, name="青山红苹果专业合作社")
    product = ProductFactory(county=county, seller=seller, name="青山红富士苹果", stock=10)
    ProductFactory(county=county, seller=seller, name="冬枣", stock=10)  # no picture
    user = UserFactory(username="apple-seller")
    MembershipFactory(user=user, county=county, role=Role.SELLER_STAFF)
    seller.staff.add(user)
    for colour in ("red", "green", "orange"):
        add_product_image(actor=user, product=product, upload=drawn(colour))
    return product


def test_the_gallery_works_on_a_phone(live_server, browser, product, screenshots):
    # Playwright's polled predicates are evaluated strings, which the site's Content-Security-
    # Policy refuses; the policy has its own test (test_content_security_policy).
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    county = product.county.slug

    page.goto(f"{live_server.url}/c/{county}/products/")
    cards = page.locator(".card .thumb img")
    assert cards.count() == 2
    page.wait_for_function(
        "[...document.querySelectorAll('.card .thumb img')].every(i => i.complete)"
    )
    first = cards.nth(0).evaluate("i => [i.naturalWidth, i.getBoundingClientRect().width]")
    assert first[0] in (320, 1200)  # the thumbnail, or the placeholder drawing
    assert first[1] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshots(page, "list")

    page.goto(f"{live_server.url}/c/{county}/p/{product.pk}/")
    track = page.locator(".gallery-track")
    page.wait_for_function("document.querySelector('.gallery-track img').naturalWidth === 800")
    sizes = track.evaluate(
        "t => [t.clientWidth, t.scrollWidth, getComputedStyle(t).scrollSnapType]"
    )
    assert sizes[0] <= 390 and sizes[1] == 3 * sizes[0]
    assert sizes[2].startswith("x")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshots(page, "gallery-first")  # a full-page shot re-lays the page out: taken before

    page_top = page.evaluate("window.scrollY")
    page.locator(".gallery-thumbs a").nth(1).click()
    page.wait_for_function(
        "Math.abs(document.querySelector('.gallery-track').scrollLeft - "
        "document.querySelector('.gallery-track').clientWidth) < 2"
    )
    page.wait_for_selector(".gallery-thumbs li:nth-child(2) a[aria-current]")
    assert page.locator(".gallery-thumbs a[aria-current]").count() == 1
    assert page.evaluate("window.scrollY") == page_top  # the page itself did not jump

    # A swipe is the browser's own scroll: snapping lands on a whole picture.
    track.evaluate("t => t.scrollBy({left: t.clientWidth * 0.8})")
    page.wait_for_function(
        "(() => { const t = document.querySelector('.gallery-track');"
        " return Math.abs(t.scrollLeft - 2 * t.clientWidth) < 2; })()"
    )
    page.wait_for_selector(".gallery-thumbs li:nth-child(3) a[aria-current]")
    assert errors == []
    screenshots(page, "gallery-third")
    context.close()
