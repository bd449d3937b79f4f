"""The cross-border KPI panel: exports by destination and month in CNY at the frozen rates and
the registered-poor households' share, hand-computed; each user sees the KPIs of the orders
they may see; the SVG chart; zh and en."""

import datetime
from decimal import Decimal

import pytest

from countyhub.catalog.models import Household, SellerHousehold
from countyhub.crossborder import selectors, services
from countyhub.crossborder.models import ExportOrder, RateSource

from .setup import export_fields, ready, shop_order, trade_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def exports(world):
    made = ready(world)
    services.record_rate(
        actor=None,
        currency="KWD",
        day=datetime.date(2026, 12, 7),
        source=RateSource.PBOC,
        rate=Decimal("23.2"),
    )
    trade_data(world.other_product, made["producer"])
    # The seller's household is registered poor; the other seller's is not.
    household = Household.objects.create(
        county=world.county, village=world.station.village, head_name="王", registered_poor=True
    )
    SellerHousehold.objects.create(seller=world.seller, household=household)
    # 1) US, December: 100 CNY × 3 → 14.04 USD × 3 = 42.12 USD × 7.1234 = 300.04 CNY (poor)
    us_dec = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product, quantity="3", unit_price="100.00"),
        **export_fields(made),
    )
    # 2) US, moved to November: 50 CNY × 2 → 7.02 USD × 2 = 14.04 USD × 7.1234 = 100.01 CNY
    #    (the other seller: not poor)
    us_nov = services.create_export_order(
        actor=None,
        order=shop_order(world.other_seller, world.other_product, quantity="2", unit_price="50"),
        **export_fields(made, logistics_no="YL2"),
    )
    ExportOrder.objects.filter(pk=us_nov.pk).update(export_date=datetime.date(2026, 11, 20))
    # 3) KW, December: 100 CNY × 3 → 4.310 KWD × 3 = 12.930 KWD × 23.2 = 299.976 → 299.98 CNY
    kw_dec = services.create_export_order(
        actor=None,
        order=shop_order(world.seller, world.product, quantity="3", unit_price="100.00"),
        **export_fields(made, currency="KWD", destination="KW", pod="KWI", logistics_no="YL3"),
    )
    return us_dec, us_nov, kw_dec


def test_kpis_by_destination_and_month_hand_computed(world, exports):
    kpis = selectors.export_kpis(ExportOrder.objects.filter(county=world.county))
    assert kpis.months == ["2026-11", "2026-12"]
    assert kpis.destinations == ["US", "KW"]  # 400.05 before 299.98
    assert kpis.cells == {
        ("US", "2026-11"): Decimal("100.01"),
        ("US", "2026-12"): Decimal("300.04"),
        ("KW", "2026-12"): Decimal("299.98"),
    }
    assert kpis.by_destination == {"US": Decimal("400.05"), "KW": Decimal("299.98")}
    assert kpis.poor_by_destination == {"US": Decimal("300.04"), "KW": Decimal("299.98")}
    assert kpis.total == Decimal("700.03")
    # (300.04 + 299.98) / 700.03 = 600.02 / 700.03
    assert kpis.poor_share == Decimal("600.02") / Decimal("700.03")
    assert kpis.rows() == [
        ("US", [Decimal("100.01"), Decimal("300.04")], Decimal("400.05")),
        ("KW", [Decimal(0), Decimal("299.98")], Decimal("299.98")),
    ]


def test_the_panel_on_the_exports_page(world, exports, client):
    url = f"/c/{world.county.slug}/exports/"
    client.force_login(world.users["county_admin"])
    page = client.get(url).content.decode()
    assert 'id="export-chart"' in page and "<svg" in page
    assert page.count('id="export-kpis"') == 1  # in the page, not in its <title>
    assert "¥700.03 in CNY at each order's frozen rate." in page
    assert "85.7% from registered-poor households' products." in page  # 600.02/700.03
    assert "<td>US</td><td>¥100.01</td><td>¥300.04</td><td>¥400.05</td>" in page
    # The other seller's staff see only their own order's figures.
    client.force_login(world.users["other_seller_staff"])
    page = client.get(url).content.decode()
    assert "¥100.01 in CNY" in page and "0.0% from registered-poor" in page
    assert "¥299.98" not in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url).content.decode()
    assert "按目的国出口" in page


def test_no_panel_without_exports(world, client):
    client.force_login(world.users["county_admin"])
    page = client.get(f"/c/{world.county.slug}/exports/").content.decode()
    assert "export-kpis" not in page
    assert page.count("<section") == page.count("</section>")
