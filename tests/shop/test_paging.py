"""Lists that grow page, with counts and page links, in both languages (issue 11)."""

import datetime
import re

import pytest

from tests.factories.catalog import ProductFactory
from tests.factories.programs import make_order

pytestmark = pytest.mark.django_db


def names_on(html: str) -> list[str]:
    return re.findall(r'<a href="/c/[^"]+/p/\d+/">([^<]+)</a>', html)


def test_every_product_is_on_some_page_once(client, world):
    ProductFactory.create_batch(29, county=world.county, seller=world.seller, stock=5)
    url = f"/c/{world.county.slug}/products/"
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get(url + "?page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "31 items · page 1 of 2" in first and 'rel="next" href="?page=2"' in first
    assert "31 items · page 2 of 2" in second and 'rel="prev" href="?page=1"' in second
    shown = names_on(first) + names_on(second)
    assert len(shown) == 31 and len(set(shown)) == 31
    zh = client.get(url + "?page=2", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "共 31 件 · 第 2 / 2 页" in zh


def test_paging_keeps_the_filters(client, world):
    ProductFactory.create_batch(30, county=world.county, seller=world.seller, stock=5)
    html = client.get(f"/c/{world.county.slug}/products/?q=苹果").content.decode()
    assert 'href="?q=%E8%8B%B9%E6%9E%9C&amp;page=2"' in html


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999", "2.5"])
def test_a_bad_page_number_shows_a_page_not_an_error(client, world, page):
    response = client.get(f"/c/{world.county.slug}/products/?page={page}")
    assert response.status_code == 200


def test_a_buyer_sees_all_their_orders_page_by_page(client, world):
    buyer = world.users["buyer"]
    first_day = datetime.date(2025, 1, 1)
    numbers = {
        make_order(world.seller, day=first_day + datetime.timedelta(days=i), buyer=buyer).number
        for i in range(60)
    }
    client.force_login(buyer)
    pages = [client.get(f"/orders/?page={n}").content.decode() for n in (1, 2, 3)]
    shown = [n for html in pages for n in re.findall(r'href="/orders/([^"/]+)/"', html)]
    assert set(shown) == numbers and len(shown) == 60
    assert "第 3 / 3 页" in pages[2]
