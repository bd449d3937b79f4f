"""The demo county: built once, its places, products and two years of orders."""

from countyhub.catalog.models import Product, Stock
from countyhub.core.models import County, Village
from countyhub.demo import build_demo
from countyhub.shop.models import Order


def test_demo_builds_a_county_once(demo_county, db):
    assert build_demo().endswith("accounts (0 new)")
    county = County.objects.get(slug="qingshan")
    assert Village.objects.filter(county=county).count() == 12
    assert Product.objects.filter(county=county).count() == 30
    assert Order.objects.filter(county=county).count() > 500
    first, last = Order.objects.order_by("placed_at").first(), Order.objects.latest("placed_at")
    assert (last.placed_at - first.placed_at).days > 700
    assert not Stock.objects.filter(allocated__gt=0).exists()
