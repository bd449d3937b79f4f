"""Listing management on the web: a product's listings on every channel, the listing form
through services.save_listing (audited), the 832 review after a price change, and who may
see and change which listings."""

from decimal import Decimal

import pytest

from countyhub.channels.models import Listing, ListingStatus
from countyhub.core.models import AuditEntry


@pytest.fixture(autouse=True)
def _english_pages(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def edit_url(world, product, code="taobao"):
    return f"/c/{world.county.slug}/channels/{code}/listings/{product.pk}/"


def product_url(world, product):
    return f"/c/{world.county.slug}/channels/products/{product.pk}/"


def form(**changes):
    data = {
        "price": "25.80",
        "title": "高山苹果 5 斤装",
        "stock_buffer": "3",
        "external_id": "6543210987",
        "status": "listed",
        "rejection_reason": "",
    }
    data.update(changes)
    return data


def test_the_seller_changes_its_listing_and_the_change_is_audited(world, channel, client):
    client.force_login(world.users["seller_staff"])
    page = client.get(product_url(world, world.product)).content.decode()
    assert "淘宝特色馆" in page and 'id="product-listings"' in page
    assert client.get(edit_url(world, world.product)).status_code == 200
    response = client.post(edit_url(world, world.product), form())
    assert response.status_code == 302 and response["Location"] == product_url(world, world.product)
    listing = Listing.objects.get(channel=channel, product=world.product)
    assert listing.price == Decimal("25.80") and listing.title == "高山苹果 5 斤装"
    assert listing.stock_buffer == Decimal(3) and listing.external_id == "6543210987"
    entry = AuditEntry.objects.filter(action="listing.changed").latest("pk")
    assert entry.actor == world.users["seller_staff"] and entry.changes["price"] == "25.80"
    shown = client.get(product_url(world, world.product)).content.decode()
    assert "25.80 CNY" in shown and "6543210987" in shown


def test_a_new_listing_and_a_rejection_needs_its_reason(world, channel, client):
    Listing.objects.filter(product=world.product).delete()
    client.force_login(world.users["county_admin"])
    assert "not listed" in client.get(product_url(world, world.product)).content.decode()
    refused = client.post(edit_url(world, world.product), form(status="rejected"))
    assert refused.status_code == 200
    assert "Say why the platform rejected the listing." in refused.content.decode()
    assert not Listing.objects.filter(product=world.product).exists()
    client.post(
        edit_url(world, world.product), form(status="rejected", rejection_reason="类目错误")
    )
    listing = Listing.objects.get(channel=channel, product=world.product)
    assert listing.status == ListingStatus.REJECTED and listing.rejection_reason == "类目错误"
    assert AuditEntry.objects.filter(action="listing.created", object_id=str(listing.pk)).exists()


def test_bad_input_names_the_field(world, channel, client):
    client.force_login(world.users["seller_staff"])
    response = client.post(edit_url(world, world.product), form(price="0", stock_buffer="-1"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"price", "stock_buffer"}
    # The platform's id is unique on a channel: the other product has it already.
    Listing.objects.filter(product=world.other_product).update(external_id="777")
    client.force_login(world.users["county_admin"])
    taken = client.post(edit_url(world, world.product), form(external_id="777"))
    assert taken.status_code == 200 and taken.context["form"].errors
    assert Listing.objects.get(product=world.product).external_id == ""


def test_a_new_price_of_a_listed_832_product_goes_back_to_review(world, qualified, fupin, client):
    client.force_login(world.users["seller_staff"])
    client.post(edit_url(world, world.product, "fupin832"), form(price="30.00"))
    listing = Listing.objects.get(channel=fupin, product=world.product)
    assert listing.status == ListingStatus.LISTED
    again = client.post(
        edit_url(world, world.product, "fupin832"), form(price="32.50"), follow=True
    )
    assert "goes back to the platform&#x27;s review" in again.content.decode()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.READY and listing.price == Decimal("32.50")


def test_an_unqualified_832_supplier_is_told_why(world, fupin, client):
    client.force_login(world.users["seller_staff"])
    response = client.post(edit_url(world, world.product, "fupin832"), form())
    assert response.status_code == 200
    assert "may not list on the 832 platform" in response.content.decode()
    assert not Listing.objects.filter(channel=fupin).exists()


@pytest.mark.parametrize(
    "who", ["other_seller_staff", "other_county_admin", "buyer", "station_operator"]
)
def test_others_neither_see_nor_change_the_listings(world, channel, client, who):
    client.force_login(world.users[who])
    before = Listing.objects.get(product=world.product).price
    assert client.get(product_url(world, world.product)).status_code == 404
    assert client.get(edit_url(world, world.product)).status_code == 404
    assert client.post(edit_url(world, world.product), form()).status_code == 404
    assert Listing.objects.get(product=world.product).price == before
    page = client.get(f"/c/{world.county.slug}/channels/taobao/")
    if page.status_code == 200:  # a seller of the county sees only its own listings
        assert world.product.name not in page.content.decode()


def test_anonymous_is_sent_to_log_in(world, channel, client):
    response = client.get(edit_url(world, world.product))
    assert response.status_code == 302 and "login" in response["Location"]
