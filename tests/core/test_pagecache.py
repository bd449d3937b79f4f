from decimal import Decimal

from django.core.cache import cache

from countyhub.catalog.models import Product
from countyhub.catalog.services import update_product


def product_url(world):
    return f"/c/{world.county.slug}/p/{world.product.pk}/"


def test_anonymous_pages_are_cached_without_personal_tokens(
    world, client, django_assert_num_queries
):
    first = client.get(product_url(world))
    assert 'name="csrfmiddlewaretoken"' not in first.content.decode()
    assert "csrftoken" in first.cookies
    Product.objects.filter(pk=world.product.pk).update(price=Decimal("99.00"))  # behind its back
    with django_assert_num_queries(0):
        again = client.get(product_url(world))
    assert again.content == first.content


def test_a_catalog_change_through_the_service_shows_at_once(
    world, client, django_capture_on_commit_callbacks
):
    client.get(product_url(world))
    with django_capture_on_commit_callbacks(execute=True):
        update_product(product=world.product, actor=None, price=Decimal("12.30"))
    assert "¥12.30" in client.get(product_url(world)).content.decode()


def test_visitors_with_a_session_get_fresh_pages(world, client):
    client.force_login(world.users["buyer"])
    client.get(product_url(world))
    Product.objects.filter(pk=world.product.pk).update(price=Decimal("77.00"))
    assert "¥77.00" in client.get(product_url(world)).content.decode()
    assert cache.get("pagecache:catalog-version") is None


def test_a_page_showing_one_visitors_message_is_never_served_to_another(world):
    from django.test import Client

    typist = Client()
    refused = typist.post(
        f"/c/{world.county.slug}/cart/add/{world.product.pk}/", {"quantity": "abc"}, follow=True
    )
    assert "quantity" in refused.content.decode().lower() or "数量" in refused.content.decode()
    message = refused.context["messages"]
    assert message  # the typist saw their own message
    for _ in range(5):
        page = Client().get(product_url(world)).content.decode()
        assert 'class="messages"' not in page and "abc" not in page
        for shown in message:
            assert str(shown) not in page
