"""The demo county's own prices: what its county-seat market and supermarket charged, as the
price monitoring of the county's development and reform bureau publishes them, for the
living-costs comparison (impact.living_costs). Loose produce is a little cheaper at the market
than online; packed goods cost more in the supermarket; handicrafts have no county price, so the
page shows what cannot be compared."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from countyhub.catalog.models import Category, Product
from countyhub.core.models import County
from countyhub.impact.services import record_reference_price

MARKET, SUPERMARKET, TEA_SHOP = "县城农贸市场", "县城超市", "县城茶叶店"
MONITORING = "县发展和改革局价格监测（月度均价）"
SURVEY = "县电商公共服务中心价格调查"
# (category slug, unit, price of the latest year, place, source): by the kg or jin.
BY_CATEGORY = [
    ("fruit", "kg", "8.60", MARKET, MONITORING),
    ("fruit", "kg", "10.40", SUPERMARKET, MONITORING),
    ("grain", "kg", "10.50", MARKET, MONITORING),
    ("grain", "kg", "13.80", SUPERMARKET, MONITORING),
    ("dried", "kg", "34.00", MARKET, MONITORING),
    ("dried", "kg", "42.00", SUPERMARKET, MONITORING),
    ("eggs-meat", "kg", "92.00", MARKET, MONITORING),
    ("tea", "jin", "135.00", TEA_SHOP, SURVEY),
]
# (product name, unit, price of the latest year, place): packed goods, as sold in the county.
BY_PRODUCT = [
    ("青山红富士苹果", "box", "72.00", SUPERMARKET),
    ("猕猴桃", "box", "52.00", SUPERMARKET),
    ("富硒大米", "bag", "64.80", SUPERMARKET),
    ("农家菜籽油", "bottle", "138.00", SUPERMARKET),
    ("槐花蜜", "bottle", "78.00", SUPERMARKET),
    ("干香菇", "bag", "42.00", SUPERMARKET),
    ("红枣干", "bag", "32.80", SUPERMARKET),
    ("土鸡蛋", "box", "48.00", MARKET),
]
# Prices two and one years before the latest: about 2.5% a year lower.
YEARLY_RISE = Decimal("0.025")
TEN_FEN = Decimal("0.1")


def _in(year_back: int, latest: str) -> Decimal:
    value = Decimal(latest) * (1 - YEARLY_RISE * year_back)
    return value.quantize(TEN_FEN, rounding=ROUND_HALF_UP).quantize(Decimal("0.01"))


def build_reference_prices(county: County, admin: Any, today: datetime.date | None = None) -> int:
    """The county's prices for the years of the order history, entered as county staff do."""
    this_year = (today or timezone.localdate()).year
    categories = {c.slug: c for c in Category.objects.filter(county=county)}
    products = {p.name: p for p in Product.objects.filter(county=county)}
    count = 0
    for back in range(3):
        year = this_year - back
        for slug, unit, latest, place, source in BY_CATEGORY:
            record_reference_price(
                actor=admin, county=county, year=year, category=categories[slug], unit=unit,
                price=_in(back, latest), place=place, source=source,
            )  # fmt: skip
            count += 1
        for name, unit, latest, place in BY_PRODUCT:
            record_reference_price(
                actor=admin, county=county, year=year, product=products[name], unit=unit,
                price=_in(back, latest), place=place, source=SURVEY,
            )  # fmt: skip
            count += 1
    return count
