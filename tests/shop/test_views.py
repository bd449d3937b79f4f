import re

import pytest
from django.urls import reverse

from countyhub.catalog.models import Stock
from countyhub.shop import services
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


def test_stock_sold_before_checkout_is_named_and_nothing_is_ordered(world, client):
    """Stock sold between reading the cart and placing the order: the buyer sees the cart
    repaired to what is left and confirms it; no order is placed behind their back."""
    client.force_login(world.users["buyer"])
    county = world.county.slug
    client.post(f"/c/{county}/cart/add/{world.product.pk}/", {"quantity": "15"})
    page = client.get(f"/c/{county}/checkout/")
    Stock.objects.filter(product=world.product).update(quantity=12)
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
    assert response.status_code == 302 and response.url == f"/c/{county}/cart/"
    assert Order.objects.count() == 0
    cart = client.get(response.url).content.decode()
    warning = cart.split('<li class="warning">')[1].split("</li>")[0]
    assert warning == f"{world.product.name}：仅剩 12。" and 'value="12"' in cart


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


ROLES = [
    "anonymous",
    "buyer",
    "seller_staff",
    "other_seller_staff",
    "county_admin",
    "other_county_admin",
    "station_operator",
    "trainer",
    "analyst",
]
ALL = (200,) * 9
LOGGED_IN = (302,) + (200,) * 8
# One row per page: the expected status for each role above.
PAGE_MATRIX = {
    "home": ALL,
    "browse": ALL,
    "product": ALL,
    "cart": ALL,
    "checkout": LOGGED_IN,
    "order history": LOGGED_IN,
    "order": (302, 200, 200, 404, 200, 404, 200, 404, 404),
    "pack order": (302, 403, 302, 404, 302, 404, 403, 404, 404),
    "ship order": (302, 403, 302, 404, 302, 404, 403, 404, 404),
    "cancel order": (302, 302, 302, 404, 302, 404, 403, 404, 404),
    "seller dashboard": (302, 403, 200, 200, 403, 403, 403, 403, 403),
    "station dashboard": (302, 403, 403, 403, 403, 403, 200, 403, 403),
    "import products": (302, 403, 200, 200, 200, 403, 403, 403, 403),
    "admin": (302, 302, 302, 302, 200, 200, 302, 302, 302),
}


def visit(client, page, world, order):
    county = world.county.slug
    simple = {
        "home": f"/c/{county}/",
        "browse": f"/c/{county}/products/",
        "product": f"/c/{county}/p/{world.product.pk}/",
        "cart": f"/c/{county}/cart/",
        "order history": "/orders/",
        "order": f"/orders/{order.number}/",
        "seller dashboard": "/seller/",
        "station dashboard": "/station/",
        "import products": f"/c/{county}/import/",
        "admin": "/admin/",
    }
    if page in simple:
        return client.get(simple[page])
    if page == "checkout":
        client.post(f"/c/{county}/cart/add/{world.product.pk}/", {"quantity": "1"})
        return client.get(f"/c/{county}/checkout/")
    action = page.split()[0]
    return client.post(
        f"/orders/{order.number}/{action}/", {"carrier": "邮政", "tracking_number": "1"}
    )


@pytest.mark.parametrize("page", list(PAGE_MATRIX))
@pytest.mark.parametrize("role_index", range(len(ROLES)), ids=ROLES)
def test_page_permission_matrix(world, client, page, role_index):
    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "1"),
    ).orders[0]
    if page == "ship order":
        services.pack_order(order=order, actor=world.users["seller_staff"])
    user = world.users[ROLES[role_index]]
    if user:
        client.force_login(user)
    response = visit(client, page, world, order)
    assert response.status_code == PAGE_MATRIX[page][role_index]
    if response.status_code in (403, 404):
        assert order.recipient_name not in response.content.decode()


def test_station_hands_over_and_buyer_confirms_receipt(world, client):
    from countyhub.shop.models import PaymentStatus

    order = place_checkout(
        buyer=world.users["buyer"],
        lines=[LineRequest(world.product.pk, "1")],
        delivery=DeliveryRequest("station", world.station.pk, "王芳", "1"),
    ).orders[0]
    services.ship_order(
        order=order, actor=world.users["seller_staff"], carrier="邮政", tracking_number="1"
    )
    client.force_login(world.users["station_operator"])
    page = client.get("/station/").content.decode()
    assert order.number in page
    assert "¥25.00" in page  # cash to collect
    client.post(f"/station/parcels/{order.number}/receive/")
    client.post(
        f"/station/parcels/{order.number}/hand-over/",
        {"code": order.pickup_code, "cash_collected": "25.00"},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.payment.status == PaymentStatus.RECEIVED
    client.force_login(world.users["buyer"])
    client.post(f"/orders/{order.number}/complete/")
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_checkout_remembers_the_delivery_and_prefills_it(world, client):
    from countyhub.shop.models import BuyerProfile

    client.force_login(world.users["buyer"])
    county = world.county.slug
    client.post(f"/c/{county}/cart/add/{world.product.pk}/", {"quantity": "1"})
    page = client.get(f"/c/{county}/checkout/")
    client.post(
        f"/c/{county}/checkout/",
        {
            "delivery_method": "station",
            "station": world.station.pk,
            "recipient_name": "李娜",
            "phone": "13911112222",
            "payment_method": "cash_on_delivery",
            "remember": "on",
            "idempotency_key": checkout_key(page),
        },
    )
    profile = BuyerProfile.objects.get(user=world.users["buyer"])
    assert (profile.station, profile.phone) == (world.station, "13911112222")
    client.post(f"/c/{county}/cart/add/{world.product.pk}/", {"quantity": "1"})
    again = client.get(f"/c/{county}/checkout/").content.decode()
    assert 'value="13911112222"' in again


def test_browse_page_query_count_does_not_grow_with_products(
    world, client, django_assert_max_num_queries
):
    from tests.factories.catalog import ProductFactory

    for _ in range(10):
        ProductFactory(county=world.county, seller=world.seller, category=world.product.category)
    client.force_login(world.users["buyer"])  # logged in: no page cache; the header asks 3 roles
    with django_assert_max_num_queries(13):
        response = client.get(f"/c/{world.county.slug}/products/")
    assert response.content.decode().count('class="card"') == 12


def test_a_checkout_of_two_sellers_shows_both_orders_and_the_grand_total(world, client):
    client.force_login(world.users["buyer"])
    county = world.county.slug
    client.post(f"/c/{county}/cart/add/{world.product.pk}/", {"quantity": "2"})
    client.post(f"/c/{county}/cart/add/{world.other_product.pk}/", {"quantity": "1"})
    page = client.get(f"/c/{county}/checkout/")
    response = client.post(
        f"/c/{county}/checkout/",
        {
            "delivery_method": "station",
            "station": world.station.pk,
            "recipient_name": "王芳",
            "phone": "13800000000",
            "payment_method": "cash_on_delivery",
            "idempotency_key": checkout_key(page),
        },
    )
    orders = list(Order.objects.order_by("pk"))
    assert len(orders) == 2
    assert response.status_code == 302
    html = client.get(response.url).content.decode()
    for order in orders:
        assert order.number in html and order.seller.name in html
    grand = html.split('id="grand-total">')[1].split("<")[0]
    assert grand == f"¥{orders[0].total + orders[1].total:,.2f}"
    # Nobody else sees the buyer's checkout.
    client.force_login(world.users["other_seller_staff"])
    assert client.get(response.url).status_code == 404
