import re

import pytest
from django.urls import reverse

from countyhub.shop.models import Order, OrderStatus
from countyhub.shop.services import DeliveryRequest, LineRequest, place_checkout


def checkout_key(response):
    return re.search(r'name="idempotency_key" value="([^"]+)"', response.content.decode()).group(1)


def test_buyer_searches_adds_to_cart_and_checks_out_to_a_station(world, client):
    county = world.county.slug
    found = client.get(f"/c/{county}/products/", {"q": world.product.name_en})
    assert world.product.name in found.content.decode()
    client.post(f"/c/{county}/cart/add/{world.product.pk}/", {"quantity": "2"})
    cart = client.get(f"/c/{county}/cart/")
    assert "¥50.00" in cart.content.decode()
    assert client.get(f"/c/{county}/checkout/").status_code == 302  # log in first
    client.force_login(world.users["buyer"])
    page = client.get(f"/c/{county}/checkout/")
    form = {
        "delivery_method": "station",
        "station": world.station.pk,
        "recipient_name": "王芳",
        "phone": "13800000000",
        "payment_method": "cash_on_delivery",
        "idempotency_key": checkout_key(page),
    }
    placed = client.post(f"/c/{county}/checkout/", form)
    order = Order.objects.get()
    assert placed["Location"] == reverse("shop:order", args=[order.number])
    again = client.post(f"/c/{county}/checkout/", form)  # double submit: cart is empty now
    assert again.status_code == 302
    assert Order.objects.count() == 1
    history = client.get("/orders/").content.decode()
    assert order.number in history


def test_checkout_shows_shortages_on_the_form(world, client):
    client.force_login(world.users["buyer"])
    county = world.county.slug
    client.post(f"/c/{county}/cart/add/{world.product.pk}/", {"quantity": "25"})
    page = client.get(f"/c/{county}/checkout/")
    response = client.post(
        f"/c/{county}/checkout/",
        {
            "delivery_method": "station",
            "station": world.station.pk,
            "recipient_name": "王芳",
            "phone": "1",
            "payment_method": "cash_on_delivery",
            "idempotency_key": checkout_key(page),
        },
    )
    assert response.status_code == 200
    assert "20" in response.content.decode()
    assert Order.objects.count() == 0


def test_htmx_add_to_cart_updates_the_badge(world, client):
    response = client.post(
        f"/c/{world.county.slug}/cart/add/{world.product.pk}/",
        {"quantity": "1"},
        headers={"HX-Request": "true"},
    )
    assert 'id="cart-count" hx-swap-oob="true">1<' in response.content.decode()


def test_seller_packs_and_ships_from_the_dashboard(world, client):
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "1"),
    ).orders[0]
    client.force_login(world.users["seller_staff"])
    dashboard = client.get("/seller/").content.decode()
    assert order.number in dashboard
    client.post(f"/orders/{order.number}/pack/", {"next": "dashboard"})
    client.post(
        f"/orders/{order.number}/ship/",
        {"carrier": "中国邮政", "tracking_number": "YZ42", "next": "dashboard"},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    client.force_login(world.users["buyer"])
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "YZ42" in page


def test_product_page_shows_price_as_yuan_and_the_producer(world, client):
    page = client.get(f"/c/{world.county.slug}/p/{world.product.pk}/").content.decode()
    assert "¥25.00" in page
    assert world.seller.name in page


def test_inactive_products_are_not_found(world, client):
    world.product.active = False
    world.product.save()
    assert client.get(f"/c/{world.county.slug}/p/{world.product.pk}/").status_code == 404


@pytest.mark.parametrize(("language", "text"), [("en", "Add to cart"), ("zh-hans", "加入购物车")])
def test_pages_in_both_languages(world, client, language, text):
    client.cookies["django_language"] = language
    page = client.get(f"/c/{world.county.slug}/p/{world.product.pk}/").content.decode()
    assert text in page


PAGE_MATRIX = {
    # page: (anonymous, buyer, seller_staff, other_seller_staff, county_admin, station, trainer)
    "home": (200, 200, 200, 200, 200, 200, 200),
    "order": (302, 200, 200, 404, 200, 200, 404),
    "seller dashboard": (302, 403, 200, 200, 403, 403, 403),
    "pack": (302, 403, 302, 404, 302, 403, 404),
}
PAGE_ROLES = [
    "anonymous",
    "buyer",
    "seller_staff",
    "other_seller_staff",
    "county_admin",
    "station_operator",
    "trainer",
]


@pytest.mark.parametrize("page", list(PAGE_MATRIX))
@pytest.mark.parametrize("role_index", range(len(PAGE_ROLES)), ids=PAGE_ROLES)
def test_page_permission_matrix(world, client, page, role_index):
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "1"),
    ).orders[0]
    user = world.users[PAGE_ROLES[role_index]]
    if user:
        client.force_login(user)
    if page == "home":
        response = client.get(f"/c/{world.county.slug}/")
    elif page == "order":
        response = client.get(f"/orders/{order.number}/")
    elif page == "seller dashboard":
        response = client.get("/seller/")
    else:
        response = client.post(f"/orders/{order.number}/pack/")
    assert response.status_code == PAGE_MATRIX[page][role_index]
