"""The cart cannot be broken by what is typed into it or left in the session (issue 11)."""

import pytest

from countyhub.catalog.models import Unit

pytestmark = pytest.mark.django_db

BAD_QUANTITIES = ["Infinity", "-Infinity", "NaN", "sNaN", "1" * 30, "9" * 30, "1e30", "abc"]


def cart_url(world):
    return f"/c/{world.county.slug}/cart/"


def add(client, world, quantity, **headers):
    url = f"/c/{world.county.slug}/cart/add/{world.product.pk}/"
    return client.post(url, {"quantity": quantity}, headers=headers)


def session_cart(client, world):
    return client.session.get(f"cart-{world.county.pk}", {})


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_a_bad_quantity_typed_into_the_cart_is_refused_and_the_cart_still_opens(
    client, world, quantity
):
    add(client, world, "2")
    response = client.post(cart_url(world), {f"quantity-{world.product.pk}": quantity})
    assert response.status_code == 302
    page = client.get(cart_url(world), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert session_cart(client, world) == {str(world.product.pk): "2"}
    warning = page.content.decode().split('<ul class="messages">')[1].split("</ul>")[0]
    assert world.product.name in warning


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_a_bad_quantity_from_the_product_page_is_refused(client, world, quantity):
    response = add(client, world, quantity)
    assert response.status_code == 302
    assert response.url.endswith(f"/p/{world.product.pk}/")
    assert session_cart(client, world) == {}
    htmx = add(client, world, quantity, HX_Request="true")
    assert htmx.status_code == 200 and 'class="errorlist"' in htmx.content.decode()


@pytest.mark.parametrize("stored", ["Infinity", "NaN", "9" * 30, "2.5", "abc", "-3", "500"])
def test_a_stored_cart_that_no_longer_holds_is_repaired_with_a_message(client, world, stored):
    session = client.session
    session[f"cart-{world.county.pk}"] = {str(world.product.pk): stored}
    session.save()
    page = client.get(cart_url(world), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.product.name in html.split('<ul class="messages">')[1].split("</ul>")[0]
    # Only a valid quantity beyond the stock keeps what is left (20 boxes); the rest is removed.
    expected = {str(world.product.pk): "20"} if stored == "500" else {}
    assert session_cart(client, world) == expected
    assert client.get(cart_url(world)).status_code == 200


def test_whole_units_and_stock_are_checked_when_added_naming_the_product(client, world):
    assert world.product.unit == Unit.BOX and not world.product.decimal_quantity
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    for quantity in ["2.5", "99999999"]:
        response = add(client, world, quantity)
        assert response.status_code == 302 and response.url.endswith(f"/p/{world.product.pk}/")
    assert session_cart(client, world) == {}
    add(client, world, "15")
    add(client, world, "6")  # 21 of 20 left: refused, the cart keeps its 15
    assert session_cart(client, world) == {str(world.product.pk): "15"}


def test_zero_or_empty_removes_the_line(client, world):
    add(client, world, "2")
    client.post(cart_url(world), {f"quantity-{world.product.pk}": ""})
    assert session_cart(client, world) == {}
