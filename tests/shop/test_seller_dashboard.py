"""The seller's dashboard: the 12-month chart with its values, stock and price edited in place
through catalog.update_product (audited), and its lists paged (issue 11)."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from countyhub.core.models import AuditEntry
from tests.factories.catalog import ProductFactory
from tests.factories.programs import make_order

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)


@pytest.fixture
def seller_client(client, world):
    client.force_login(world.users["seller_staff"])
    return client


def bars(html: str) -> list[tuple[str, str]]:
    """(month label, value written on the bar) for each bar of the chart."""
    return re.findall(
        r'<g class="bar">.*?<text class="value"[^>]*>([^<]*)</text><text[^>]*>([^<]*)</text>', html
    )


def test_the_last_12_months_chart_has_12_bars_with_their_values(seller_client, world):
    # Seen on the demo: 365 days back from 6 December reach into last December, so the chart
    # drew 13 bars (Dec 2025 .. Dec 2026) and no values.
    make_order(world.seller, day=datetime.date(2025, 12, 20), total="999.00")
    make_order(world.seller, day=datetime.date(2026, 1, 3), total="1234.40")
    make_order(world.seller, day=datetime.date(2026, 12, 1), total="80.00")
    make_order(world.seller, day=datetime.date(2026, 12, 2), total="20.00")
    moment = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(9)))
    with time_machine.travel(moment, tick=False):
        html = seller_client.get("/seller/").content.decode()
    shown = bars(html)
    assert len(shown) == 12
    assert shown[0] == ("1,234", "26-01")
    assert shown[-1] == ("100", "26-12")
    assert [value for value, _month in shown[1:-1]] == ["0"] * 10
    assert "¥1,334.40" in html  # the year's total leaves last December out too


def test_a_seller_changes_price_and_stock_in_place_audited(seller_client, world):
    product = world.product
    old_price = product.price
    response = seller_client.post(
        f"/seller/products/{product.pk}/", {"price": "31.50", "stock": "7"}
    )
    assert response.status_code == 302
    product.refresh_from_db()
    product.stock.refresh_from_db()
    assert product.price == Decimal("31.50") and product.stock.quantity == Decimal(7)
    entry = AuditEntry.objects.get(action="product.updated", object_id=str(product.pk))
    assert entry.actor == world.users["seller_staff"]
    assert [Decimal(v) for v in entry.changes["stock"]] == [20, 7]
    assert [Decimal(v) for v in entry.changes["price"]] == [old_price, Decimal("31.50")]


def test_htmx_edit_answers_with_the_row(seller_client, world):
    response = seller_client.post(
        f"/seller/products/{world.product.pk}/",
        {"price": "12.00", "stock": "3"},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<tr id="product-{world.product.pk}">') and "Saved." in html
    assert 'value="12.00"' in html and 'value="3"' in html  # stock as typed, not 3.000


def test_a_refusal_shows_on_its_field(seller_client, world):
    from countyhub.catalog.models import Stock

    Stock.objects.filter(product=world.product).update(allocated=Decimal(5))
    response = seller_client.post(
        f"/seller/products/{world.product.pk}/",
        {"price": "0", "stock": "2"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="errorlist field-price">The price must be more than zero.' in html
    response = seller_client.post(
        f"/seller/products/{world.product.pk}/",
        {"price": "9", "stock": "2"},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert 'class="errorlist field-stock">Stock cannot be less than the 5' in (
        response.content.decode()
    )
    assert not AuditEntry.objects.filter(action="product.updated").exists()
    world.product.refresh_from_db()
    assert world.product.price != Decimal(9)  # refused whole: the price did not change either


def test_seller_b_cannot_edit_seller_as_product(client, world):
    client.force_login(world.users["other_seller_staff"])
    response = client.post(f"/seller/products/{world.product.pk}/", {"price": "1", "stock": "1"})
    assert response.status_code == 404
    client.force_login(world.users["buyer"])
    response = client.post(f"/seller/products/{world.product.pk}/", {"price": "1", "stock": "1"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="product.updated").exists()


def test_the_edit_needs_the_csrf_token(world):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["seller_staff"])
    response = strict.post(f"/seller/products/{world.product.pk}/", {"price": "1", "stock": "1"})
    assert response.status_code == 403


def test_products_and_orders_to_ship_are_paged_apart(seller_client, world):
    ProductFactory.create_batch(30, county=world.county, seller=world.seller, stock=5)
    for i in range(27):
        make_order(
            world.seller, day=datetime.date(2026, 3, 1) + datetime.timedelta(i), status="paid"
        )
    first = seller_client.get("/seller/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "27 items · page 1 of 2" in first and "31 items · page 1 of 2" in first
    assert 'href="?products_page=2"' in first and 'href="?page=2"' in first
    second = seller_client.get(
        "/seller/?page=2&products_page=2", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'href="?page=2&amp;products_page=1"' in second
    assert len(re.findall(r'<tr id="product-', second)) == 6


def test_the_dashboard_takes_a_fixed_number_of_queries(
    seller_client, world, django_assert_max_num_queries
):
    ProductFactory.create_batch(20, county=world.county, seller=world.seller, stock=5)
    for i in range(20):
        make_order(
            world.seller, day=datetime.date(2026, 3, 1) + datetime.timedelta(i), status="paid"
        )
    with django_assert_max_num_queries(16):
        seller_client.get("/seller/")
